-- Incident reports (package incidents): one row per report, keyed by the
-- source's own event id, pointing at its current revision; every revision
-- kept with its canonical JSON, who made it and why, and logged in the
-- ledger as incident_report/<key>/r<N>.
CREATE TABLE incident_reports (
    key             TEXT PRIMARY KEY,  -- source_id ":" source_event_id
    source_id       TEXT NOT NULL,
    source_event_id TEXT NOT NULL,
    revision        INTEGER NOT NULL,  -- the current revision
    sha256          TEXT NOT NULL,     -- of the current revision's report
    event_type      TEXT NOT NULL,
    time_from       INTEGER NOT NULL,  -- unix milliseconds, closed
    time_to         INTEGER NOT NULL,  -- unix milliseconds, open
    lon             REAL NOT NULL,
    lat             REAL NOT NULL,
    UNIQUE (source_id, source_event_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX incident_reports_time ON incident_reports(time_from, key);

CREATE TABLE incident_report_revisions (
    key         TEXT NOT NULL REFERENCES incident_reports(key),
    revision    INTEGER NOT NULL,
    report      TEXT NOT NULL,  -- canonical JSON (RFC 8785) of the report
    by          TEXT NOT NULL,
    reason      TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (key, revision)
) STRICT, WITHOUT ROWID;
