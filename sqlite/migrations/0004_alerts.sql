-- Alerts (issue 7): what the fence engine concluded, in one total order
-- (seq: the SSE event id and the webhook delivery order). Each alert is
-- logged in the ledger in the transaction that stores it. Numbered 0004
-- though written after 0005: the tables are independent, and a database
-- that already has 0005 applies this one on its next Open.
CREATE TABLE alerts (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,   -- "al-<seq>"
    kind           TEXT NOT NULL,
    object_id      TEXT NOT NULL,
    zone_id        TEXT NOT NULL,
    zone_version   INTEGER NOT NULL,
    zone_kind      TEXT NOT NULL,
    zone_name      TEXT NOT NULL DEFAULT '',
    at             TEXT NOT NULL,
    lon            REAL NOT NULL,
    lat            REAL NOT NULL,
    alt_m          REAL,                   -- NULL: unknown
    altitude_known INTEGER NOT NULL,
    eta_s          REAL,
    eta_min_s      REAL,
    eta_max_s      REAL,
    entry_lon      REAL,                   -- NULL: no predicted entry point
    entry_lat      REAL,
    reason         TEXT NOT NULL DEFAULT '',
    dwell_s        REAL,
    source         TEXT NOT NULL,          -- JSON safezones.Source
    created        TEXT NOT NULL
) STRICT;

CREATE INDEX alerts_zone ON alerts(zone_id, seq);
CREATE INDEX alerts_object ON alerts(object_id, seq);

-- Webhook subscriptions. The secret is kept as given because signing
-- needs it; it is returned only by Webhook(id), never listed or logged.
-- party_id has no foreign key: the operator, who is no row of parties,
-- may subscribe too; CreateWebhook checks any other party exists.
CREATE TABLE webhooks (
    id       TEXT PRIMARY KEY,
    party_id TEXT NOT NULL,
    url      TEXT NOT NULL,
    secret   TEXT NOT NULL,
    kinds    TEXT NOT NULL,                -- JSON array, [] for all
    zone_ids TEXT NOT NULL,                -- JSON array, [] for all
    created  TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX webhooks_party ON webhooks(party_id);

-- The webhook outbox: one row per (subscription, alert), written with the
-- alert, updated after each attempt; a delivered or failed row is the
-- receipt. A subscription's rows are sent one at a time in alert_seq order.
CREATE TABLE webhook_deliveries (
    subscription_id TEXT NOT NULL REFERENCES webhooks(id),
    alert_seq       INTEGER NOT NULL REFERENCES alerts(seq),
    state           TEXT NOT NULL,         -- pending, delivered, failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt    TEXT NOT NULL,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    delivered_at    TEXT,
    PRIMARY KEY (subscription_id, alert_seq)
) STRICT, WITHOUT ROWID;

CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(subscription_id, alert_seq) WHERE state = 'pending';
