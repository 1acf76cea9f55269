-- Gateway instances sharing this schema (docs/SCALING.md). Each holds a lease on the database's
-- clock (epoch ms) and renews it; a survivor recovers the open reservations of an instance whose
-- lease ran out, then deletes its row.
CREATE TABLE instances (
  id          text   NOT NULL PRIMARY KEY,
  host        text   NOT NULL,
  started_at  bigint NOT NULL,
  lease_until bigint NOT NULL
);

-- The instance that reserved (NULL: reserved before leases, or by a store that claims nothing).
-- The foreign key is the fence between a reservation and the recovery of its instance: inserting a
-- reservation locks its instance's row (KEY SHARE), recovery locks it FOR UPDATE, so a reservation
-- commits before its instance is recovered (and is recovered with it) or fails after.
ALTER TABLE reservations ADD COLUMN instance_id text REFERENCES instances (id);
CREATE INDEX reservations_by_instance ON reservations (instance_id);

-- One row per server backend, written synchronously after a reservation committed asynchronously
-- (Durability.ON_DISK_AFTER_UNLOCK): its flush puts the reservation on disk before the request goes
-- upstream, without holding the budget rows' locks through the flush.
CREATE TABLE wal_flushes (
  backend int    NOT NULL PRIMARY KEY,
  flushes bigint NOT NULL
);
