-- Pouch schema, version 1.
-- Times are INTEGER epoch milliseconds (UTC), money is INTEGER micro-dollars (1 USD = 1 000 000).
-- STRICT tables refuse values of the wrong type, so a REAL can never sneak into a money column.

-- App keys: everything but the secret, of which only the SHA-256 hex hash is kept.
-- Deleting a key is a soft delete (deleted_at): its budget, reservations and log stay reconcilable.
CREATE TABLE app_keys (
  id          TEXT    NOT NULL PRIMARY KEY,
  name        TEXT    NOT NULL,
  prefix      TEXT    NOT NULL,
  secret_hash TEXT    NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER,
  auto_renew  INTEGER NOT NULL CHECK (auto_renew IN (0, 1)),
  policy_json TEXT    NOT NULL,
  version     INTEGER NOT NULL CHECK (version >= 0),
  deleted_at  INTEGER
) STRICT;

CREATE INDEX app_keys_live_by_creation ON app_keys (created_at) WHERE deleted_at IS NULL;

-- One budget row per key (no foreign key to app_keys: the ledger does not depend on the order in
-- which a key and its budget are created). limit_micros = 0 means unlimited; reset_period_seconds
-- = 0 means the budget never resets.
CREATE TABLE budgets (
  key_id               TEXT    NOT NULL PRIMARY KEY,
  limit_micros         INTEGER NOT NULL CHECK (limit_micros >= 0),
  spent_micros         INTEGER NOT NULL DEFAULT 0 CHECK (spent_micros >= 0),
  reserved_micros      INTEGER NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0),
  period_started_at    INTEGER NOT NULL,
  reset_period_seconds INTEGER NOT NULL DEFAULT 0 CHECK (reset_period_seconds >= 0)
) STRICT;

-- Worst-case amounts taken before a request goes upstream; id is the request id. A reservation is
-- open while settled_at is NULL; settling fills settled_at, actual_micros and basis together.
-- The foreign key is deferred: reserve inserts the row first and the guarded budget update decides
-- whether the transaction commits at all.
CREATE TABLE reservations (
  id            TEXT    NOT NULL PRIMARY KEY,
  key_id        TEXT    NOT NULL REFERENCES budgets (key_id) DEFERRABLE INITIALLY DEFERRED,
  amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0),
  created_at    INTEGER NOT NULL,
  settled_at    INTEGER,
  actual_micros INTEGER CHECK (actual_micros >= 0),
  basis         TEXT,
  CHECK ((settled_at IS NULL) = (actual_micros IS NULL)),
  CHECK ((settled_at IS NULL) = (basis IS NULL))
) STRICT;

-- Start-up recovery looks for open reservations only.
CREATE INDEX reservations_open ON reservations (key_id) WHERE settled_at IS NULL;

-- History of closed budget periods, one row per reset.
CREATE TABLE budget_periods (
  seq          INTEGER PRIMARY KEY,
  key_id       TEXT    NOT NULL REFERENCES budgets (key_id),
  started_at   INTEGER NOT NULL,
  ended_at     INTEGER NOT NULL,
  limit_micros INTEGER NOT NULL CHECK (limit_micros >= 0),
  spent_micros INTEGER NOT NULL CHECK (spent_micros >= 0)
) STRICT;

CREATE INDEX budget_periods_by_key ON budget_periods (key_id, started_at);

-- One row per request. seq (the rowid) breaks ties between rows of the same millisecond.
CREATE TABLE request_log (
  seq                  INTEGER PRIMARY KEY,
  request_id           TEXT    NOT NULL,
  key_id               TEXT    NOT NULL,
  model                TEXT    NOT NULL,
  created_at           INTEGER NOT NULL,
  status               INTEGER NOT NULL,
  streamed             INTEGER NOT NULL CHECK (streamed IN (0, 1)),
  prompt_tokens        INTEGER NOT NULL,
  cached_prompt_tokens INTEGER NOT NULL,
  completion_tokens    INTEGER NOT NULL,
  reserved_micros      INTEGER NOT NULL CHECK (reserved_micros >= 0),
  cost_micros          INTEGER NOT NULL CHECK (cost_micros >= 0),
  basis                TEXT,
  overrun_micros       INTEGER NOT NULL CHECK (overrun_micros >= 0),
  latency_millis       INTEGER NOT NULL,
  error_code           TEXT
) STRICT;

CREATE INDEX request_log_by_key ON request_log (key_id, created_at);
CREATE INDEX request_log_by_time ON request_log (created_at);
