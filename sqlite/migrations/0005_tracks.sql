-- The track archive (issue 8): positions in compact batches (package
-- tracks), one row per group commit, each logged in the ledger by its
-- SHA-256. track_batch_objects finds an object's batches.
CREATE TABLE track_batches (
    id        INTEGER PRIMARY KEY,
    first_at  INTEGER NOT NULL, -- unix milliseconds
    last_at   INTEGER NOT NULL,
    positions INTEGER NOT NULL,
    objects   INTEGER NOT NULL,
    data      BLOB NOT NULL,
    sha256    TEXT NOT NULL,
    created   TEXT NOT NULL
) STRICT;

CREATE TABLE track_batch_objects (
    object_id TEXT NOT NULL,
    batch_id  INTEGER NOT NULL REFERENCES track_batches(id),
    first_at  INTEGER NOT NULL,
    last_at   INTEGER NOT NULL,
    PRIMARY KEY (object_id, batch_id)
) STRICT, WITHOUT ROWID;
