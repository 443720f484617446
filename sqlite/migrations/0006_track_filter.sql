-- An index row per object and batch made each 1,000-object batch cost ten
-- times more to write; a Bloom filter of the batch's object ids, in the
-- batch row, lets readers skip batches without the object instead
-- (package tracks, ObjectFilter). Batches written before have an empty
-- filter, which readers treat as "may hold anything".
DROP TABLE track_batch_objects;
ALTER TABLE track_batches ADD COLUMN objects_filter BLOB NOT NULL DEFAULT x'';
CREATE INDEX track_batches_last_at ON track_batches(last_at);
