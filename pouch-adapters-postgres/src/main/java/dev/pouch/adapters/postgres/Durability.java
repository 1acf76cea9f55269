package dev.pouch.adapters.postgres;

/** When a commit must be on disk. */
enum Durability {
  /** On disk when the commit returns ({@code synchronous_commit = on}): reservations, keys. */
  NOW,
  /**
   * Visible at once, on disk with the WAL flush of the next synchronous commit or within the WAL
   * writer's delay ({@code synchronous_commit = off} for this transaction): settlements only, which
   * the ledger port allows (a lost one leaves its reservation, recovered in full).
   */
  WITH_NEXT_FLUSH
}
