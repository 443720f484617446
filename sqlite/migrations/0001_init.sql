-- Parties: the actors of the glossary.
CREATE TABLE parties (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    country    TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL,          -- JSON safezones.Source
    created_at TEXT NOT NULL
) STRICT;

-- Zones: one row per zone; its versions below.
CREATE TABLE zones (
    id             TEXT PRIMARY KEY,
    latest_version INTEGER NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;

-- Zone versions: immutable terms, mutable status.
CREATE TABLE zone_versions (
    zone_id           TEXT NOT NULL REFERENCES zones(id),
    version           INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    name              TEXT NOT NULL,
    sponsor_party_id  TEXT REFERENCES parties(id),
    terms             TEXT NOT NULL,   -- JSON safezones.Terms without geometry
    geometry_type     TEXT NOT NULL,
    coordinates       TEXT NOT NULL,   -- GeoJSON coordinates member
    hash              TEXT NOT NULL,
    status            TEXT NOT NULL,
    status_changed_at TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    valid_from        TEXT NOT NULL,
    valid_to          TEXT,            -- NULL: open-ended
    min_lon REAL NOT NULL, min_lat REAL NOT NULL, max_lon REAL NOT NULL, max_lat REAL NOT NULL,
    PRIMARY KEY (zone_id, version)
) STRICT;

CREATE INDEX zone_versions_status ON zone_versions(status);
CREATE INDEX zone_versions_bbox ON zone_versions(min_lon, max_lon);

-- Status history of every version: answers "what was in force at T".
-- at is when the change took effect; recorded_at when it was recorded.
CREATE TABLE zone_status_changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    status      TEXT NOT NULL,
    at          TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    by          TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (zone_id, version) REFERENCES zone_versions(zone_id, version)
) STRICT;

CREATE INDEX zone_status_changes_zone ON zone_status_changes(zone_id, version, at);
