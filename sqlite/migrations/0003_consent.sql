-- Members of parties and their API tokens (issue 4). Tokens are stored
-- only as the SHA-256 of the whole token; the token itself is shown once.
-- Members and tokens are access control, not agreements: they are not
-- logged in the public ledger (docs/decisions.md).
CREATE TABLE members (
    id         TEXT PRIMARY KEY,
    party_id   TEXT NOT NULL REFERENCES parties(id),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
) STRICT;

CREATE INDEX members_party ON members(party_id);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    member_id  TEXT NOT NULL REFERENCES members(id),
    name       TEXT NOT NULL DEFAULT '',
    token_hash BLOB NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT
) STRICT;

CREATE INDEX api_tokens_member ON api_tokens(member_id);

-- Public signing keys of parties. Rows are never deleted; a revocation
-- sets revoked_at once. Registration and revocation are each logged.
CREATE TABLE party_keys (
    id         TEXT PRIMARY KEY,
    party_id   TEXT NOT NULL REFERENCES parties(id),
    public_key BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT
) STRICT;

CREATE INDEX party_keys_party ON party_keys(party_id);

-- Roles of parties per zone. A removal sets removed_at; the row stays.
CREATE TABLE zone_roles (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id     TEXT NOT NULL REFERENCES zones(id),
    party_id    TEXT NOT NULL REFERENCES parties(id),
    role        TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    removed_at  TEXT,
    removed_by  TEXT
) STRICT;

CREATE UNIQUE INDEX zone_roles_current ON zone_roles(zone_id, party_id, role) WHERE removed_at IS NULL;

-- Explicit consent policies, one row per setting; the latest applies.
CREATE TABLE zone_policy_changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    zone_id TEXT NOT NULL REFERENCES zones(id),
    policy  TEXT NOT NULL,
    set_at  TEXT NOT NULL,
    set_by  TEXT NOT NULL,
    reason  TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX zone_policy_changes_zone ON zone_policy_changes(zone_id, seq);

-- Signed decisions on exact zone versions. payload is the RFC 8785 JSON
-- that was signed; id derives from it, so a replay is a duplicate.
CREATE TABLE decisions (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    zone_id     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    party_id    TEXT NOT NULL REFERENCES parties(id),
    key_id      TEXT NOT NULL REFERENCES party_keys(id),
    verdict     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    signed_at   TEXT NOT NULL,
    source      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    signature   BLOB NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    FOREIGN KEY (zone_id, version) REFERENCES zone_versions(zone_id, version)
) STRICT;

CREATE INDEX decisions_zone ON decisions(zone_id, version, party_id, seq);

-- Pledges to zones and deliveries against them.
CREATE TABLE commitments (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    zone_id     TEXT NOT NULL REFERENCES zones(id),
    party_id    TEXT NOT NULL REFERENCES parties(id),
    kind        TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    currency    TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    pledged_at  TEXT NOT NULL,
    source      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
) STRICT;

CREATE INDEX commitments_zone ON commitments(zone_id, seq);

CREATE TABLE deliveries (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    commitment_id TEXT NOT NULL REFERENCES commitments(id),
    quantity      INTEGER NOT NULL,
    delivered_at  TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL
) STRICT;

CREATE INDEX deliveries_commitment ON deliveries(commitment_id, seq);
