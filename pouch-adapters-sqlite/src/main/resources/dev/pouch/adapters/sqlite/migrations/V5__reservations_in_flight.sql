-- Reservations hold only the requests in flight: settling deletes the row (the request log keeps
-- what it cost, and its request_id keeps reserving an id idempotent), so each request changes
-- fewer b-tree pages. Keyed by id without a rowid, the table needs no separate index: the old
-- table's automatic index on id and its partial index of open rows are gone.
-- The foreign key is deferred: reserve inserts the row first and the guarded budget update decides
-- whether the transaction commits at all.
CREATE TABLE reservations_in_flight (
  id            TEXT    NOT NULL PRIMARY KEY,
  key_id        TEXT    NOT NULL REFERENCES budgets (key_id) DEFERRABLE INITIALLY DEFERRED,
  amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0),
  created_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Settled rows are already in the request log (every settlement writes its row there).
INSERT INTO reservations_in_flight (id, key_id, amount_micros, created_at)
  SELECT id, key_id, amount_micros, created_at FROM reservations WHERE settled_at IS NULL;

DROP TABLE reservations;
ALTER TABLE reservations_in_flight RENAME TO reservations;
