-- Budgets in layers: a key or a team (the owner) has one or more budgets, in order. A key's budget
-- of version 7 becomes its first budget (position 0); reservations in flight and closed periods
-- keep their ids. A reservation remembers the budget rows it took from (budget_ids, a JSON array
-- of budgets.id), so that its settlement charges exactly those, even when the owner's budgets or
-- the key's team changed meanwhile. No foreign keys: a dropped budget leaves its reservations to
-- settle into nothing there.
CREATE TABLE budget_layers (
  id                   INTEGER PRIMARY KEY,
  owner_id             TEXT    NOT NULL,
  position             INTEGER NOT NULL CHECK (position >= 0),
  limit_micros         INTEGER NOT NULL CHECK (limit_micros >= 0),
  spent_micros         INTEGER NOT NULL DEFAULT 0 CHECK (spent_micros >= 0),
  reserved_micros      INTEGER NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0),
  period_started_at    INTEGER NOT NULL,
  reset_period_seconds INTEGER NOT NULL DEFAULT 0 CHECK (reset_period_seconds >= 0),
  UNIQUE (owner_id, position)
) STRICT;

INSERT INTO budget_layers (owner_id, position, limit_micros, spent_micros, reserved_micros,
    period_started_at, reset_period_seconds)
  SELECT key_id, 0, limit_micros, spent_micros, reserved_micros, period_started_at,
    reset_period_seconds FROM budgets ORDER BY key_id;

CREATE TABLE reservations_layered (
  id            TEXT    NOT NULL PRIMARY KEY,
  key_id        TEXT    NOT NULL,
  amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0),
  created_at    INTEGER NOT NULL,
  budget_ids    TEXT    NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO reservations_layered (id, key_id, amount_micros, created_at, budget_ids)
  SELECT r.id, r.key_id, r.amount_micros, r.created_at, json_array(b.id)
  FROM reservations r JOIN budget_layers b ON b.owner_id = r.key_id AND b.position = 0;

CREATE TABLE budget_history (
  seq          INTEGER PRIMARY KEY,
  owner_id     TEXT    NOT NULL,
  position     INTEGER NOT NULL CHECK (position >= 0),
  started_at   INTEGER NOT NULL,
  ended_at     INTEGER NOT NULL,
  limit_micros INTEGER NOT NULL CHECK (limit_micros >= 0),
  spent_micros INTEGER NOT NULL CHECK (spent_micros >= 0)
) STRICT;

INSERT INTO budget_history (seq, owner_id, position, started_at, ended_at, limit_micros,
    spent_micros)
  SELECT seq, key_id, 0, started_at, ended_at, limit_micros, spent_micros FROM budget_periods;

DROP TABLE reservations;
DROP TABLE budget_periods;
DROP TABLE budgets;
ALTER TABLE budget_layers RENAME TO budgets;
ALTER TABLE reservations_layered RENAME TO reservations;
ALTER TABLE budget_history RENAME TO budget_periods;
CREATE INDEX budget_periods_by_owner ON budget_periods (owner_id, position, started_at);
