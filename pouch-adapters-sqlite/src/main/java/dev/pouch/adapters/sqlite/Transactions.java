package dev.pouch.adapters.sqlite;

import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transactions as plain {@code BEGIN IMMEDIATE} / {@code COMMIT} / {@code ROLLBACK} statements on a
 * connection in autocommit mode, never the JDBC transaction API, whose sqlite-jdbc implementation
 * begins a new transaction right after each commit and can report a saved commit as failed.
 */
final class Transactions {
  private static final Logger log = LoggerFactory.getLogger(Transactions.class);

  private Transactions() {}

  /**
   * Runs {@code work} between {@code BEGIN IMMEDIATE} and {@code COMMIT} (or {@code ROLLBACK}) on a
   * handle whose connection the caller owns exclusively.
   */
  static <T> T inTransaction(Handle handle, TransactionWork<T> work) {
    handle.execute("BEGIN IMMEDIATE");
    boolean finished = false;
    try {
      Outcome<T> outcome = work.run(handle);
      handle.execute(outcome.commit() ? "COMMIT" : "ROLLBACK");
      finished = true;
      return outcome.value();
    } finally {
      if (!finished) {
        rollbackAfterFailure(handle);
      }
    }
  }

  /** Ends whatever a failure left of the transaction, if anything. */
  static void rollbackAfterFailure(Handle handle) {
    try {
      handle.execute("ROLLBACK");
    } catch (RuntimeException e) {
      // the failed statement may already have ended the transaction: nothing is left to undo
      log.atDebug().setCause(e).log("rollback after a failed transaction found none open");
    }
  }
}
