-- Deconfliction (issue 6): humanitarian notifications of sites and
-- movements, their versions and addressed parties, signed
-- acknowledgements and objections, the disclosure record of exact
-- coordinates, deadline reminders and escalations, and the log of
-- deconfliction checks. The ledger logs each version's salted hash, never
-- its coordinates.
CREATE TABLE notifications (
    id        TEXT PRIMARY KEY,
    notifier  TEXT NOT NULL REFERENCES parties(id),
    kind      TEXT NOT NULL,
    latest    INTEGER NOT NULL,
    cancelled INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX notifications_notifier ON notifications(notifier);

CREATE TABLE notification_versions (
    id            TEXT NOT NULL REFERENCES notifications(id),
    version       INTEGER NOT NULL,
    terms         TEXT NOT NULL,
    geometry_type TEXT NOT NULL,
    coordinates   TEXT NOT NULL,
    salt          TEXT NOT NULL,
    hash          TEXT NOT NULL,
    reason        TEXT NOT NULL,
    overrides     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    PRIMARY KEY (id, version)
) STRICT;

CREATE TABLE notification_receipts (
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL,
    party_id    TEXT NOT NULL REFERENCES parties(id),
    notified_at TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    PRIMARY KEY (id, version, party_id),
    FOREIGN KEY (id, version) REFERENCES notification_versions(id, version)
) STRICT;

CREATE INDEX notification_receipts_party ON notification_receipts(party_id);

CREATE TABLE acknowledgements (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    notification_id TEXT NOT NULL,
    version         INTEGER NOT NULL,
    hash            TEXT NOT NULL,
    party_id        TEXT NOT NULL,
    key_id          TEXT NOT NULL,
    response        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    signed_at       TEXT NOT NULL,
    payload         TEXT NOT NULL,
    signature       BLOB NOT NULL,
    recorded_at     TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    source          TEXT NOT NULL,
    UNIQUE (notification_id, version, party_id, response),
    FOREIGN KEY (notification_id, version, party_id) REFERENCES notification_receipts(id, version, party_id)
) STRICT;

CREATE TABLE disclosures (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id TEXT NOT NULL,
    version         INTEGER NOT NULL,
    party_id        TEXT NOT NULL,
    by              TEXT NOT NULL,
    via             TEXT NOT NULL,
    at              TEXT NOT NULL,
    FOREIGN KEY (notification_id, version) REFERENCES notification_versions(id, version)
) STRICT;

CREATE INDEX disclosures_notification ON disclosures(notification_id, version, party_id);

CREATE TABLE notification_alerts (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    version         INTEGER NOT NULL,
    notifier        TEXT NOT NULL,
    party_id        TEXT NOT NULL,
    due_at          TEXT NOT NULL,
    at              TEXT NOT NULL,
    UNIQUE (kind, notification_id, version, party_id),
    FOREIGN KEY (notification_id, version, party_id) REFERENCES notification_receipts(id, version, party_id)
) STRICT;

CREATE TABLE deconfliction_checks (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    party_id TEXT NOT NULL,
    by       TEXT NOT NULL,
    at       TEXT NOT NULL,
    query    TEXT NOT NULL,
    found    TEXT NOT NULL,
    salt     TEXT NOT NULL
) STRICT;
