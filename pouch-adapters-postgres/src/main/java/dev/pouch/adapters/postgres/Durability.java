package dev.pouch.adapters.postgres;

/** When a commit must be on disk. */
enum Durability {
  /** On disk when the commit returns ({@code synchronous_commit = on}): keys, budgets. */
  NOW,
  /**
   * On disk when the call returns, but its row locks released before the disk flush: the
   * transaction commits with {@code synchronous_commit = off}, then the same connection makes one
   * synchronous write of its own (its row of {@code wal_flushes}), whose flush covers every WAL
   * record before it, this commit's included. Reservations: a hot budget row is locked for a
   * transaction's statements instead of a disk flush, and concurrent reservations share flushes.
   */
  ON_DISK_AFTER_UNLOCK,
  /**
   * Visible at once, on disk with the WAL flush of the next synchronous commit or within the WAL
   * writer's delay ({@code synchronous_commit = off} for this transaction): settlements only, which
   * the ledger port allows (a lost one leaves its reservation, recovered in full), and reservations
   * when the operator chose {@code --reservation-sync later} (ARCHITECTURE D40).
   */
  WITH_NEXT_FLUSH
}
