-- Evidence attached to incident reports (package evidence): the files
-- themselves live in the blob store by SHA-256; this table says which
-- report holds which file, with its caption, credit and source. The
-- ledger logs the original's hash openly (so that anyone holding the file
-- can check it) and a salted digest of the rest (item, salt).
CREATE TABLE incident_evidence (
    report_key       TEXT NOT NULL REFERENCES incident_reports(key),
    sha256           TEXT NOT NULL,  -- the original's
    thumbnail_sha256 TEXT,           -- its working copy's, when an image
    item             TEXT NOT NULL,  -- canonical JSON of evidence.Item
    salt             TEXT NOT NULL,  -- hex, 16 random bytes
    recorded_at      TEXT NOT NULL,
    PRIMARY KEY (report_key, sha256)
) STRICT, WITHOUT ROWID;

CREATE INDEX incident_evidence_original ON incident_evidence(sha256);
CREATE INDEX incident_evidence_thumbnail ON incident_evidence(thumbnail_sha256);
