package dev.pouch.adapters.sqlite;

import dev.pouch.adapters.sqlite.GroupCommitter.Sync;
import java.nio.file.Path;
import org.jdbi.v3.core.HandleCallback;

/**
 * Pouch's SQLite file as its stores use it: every write group-committed on the one writer
 * connection ({@link GroupCommitter}), every read on a read-only connection ({@link
 * SqliteConnections}).
 */
final class Database implements AutoCloseable {
  private final SqliteConnections connections;
  private final GroupCommitter committer;

  private Database(SqliteConnections connections) {
    this.connections = connections;
    this.committer = new GroupCommitter(connections.writer(), "pouch-sqlite-writer");
  }

  /** Opens (creating it if needed) the file, applies the pragmas and migrates the schema. */
  static Database open(Path file) {
    SqliteConnections connections = SqliteConnections.open(file, Migrations::apply);
    try {
      return new Database(connections);
    } catch (RuntimeException e) {
      connections.close(); // a store that failed to open leaves no connection behind
      throw e;
    }
  }

  /**
   * Runs one statement (or several) on the writer as one atomic piece of work, durable on return.
   */
  <T> T write(HandleCallback<T, RuntimeException> work) {
    return transaction(handle -> Outcome.commit(work.withHandle(handle)));
  }

  /**
   * Runs {@code work} atomically on the writer, durable on return when it commits; see {@link
   * GroupCommitter#transaction}.
   */
  <T> T transaction(TransactionWork<T> work) {
    return transaction(work, Sync.NOW);
  }

  /**
   * As {@link #transaction(TransactionWork)}, but with {@link Sync#LATER} the commit need not be
   * synced to the disk before this returns (see {@link GroupCommitter}); for work whose loss in a
   * power failure leaves a state that is still safe, such as a settlement (its reservation then
   * stays counted, and is recovered at its full amount).
   */
  <T> T transaction(TransactionWork<T> work, Sync sync) {
    return committer.transaction(work, sync);
  }

  /** See {@link GroupCommitter#afterCommit}. */
  void afterCommit(Runnable action) {
    committer.afterCommit(action);
  }

  /** Runs a read on one of the reader connections. */
  <T> T read(HandleCallback<T, RuntimeException> work) {
    return connections.read(work);
  }

  /** How many pieces of work wait for the writer (for tests and diagnostics). */
  int queuedWrites() {
    return committer.queuedWrites();
  }

  /** How many group commits and committed pieces of work so far (for tests and diagnostics). */
  long[] commitCounts() {
    return committer.commitCounts();
  }

  /** How many of the group commits were not synced when they returned (tests, diagnostics). */
  long syncedLaterCommits() {
    return committer.syncedLaterCommits();
  }

  /** How many WAL syncs the time bound on commits synced later made (tests, diagnostics). */
  long timedSyncs() {
    return committer.timedSyncs();
  }

  /** Lets the writer finish every write queued so far, then closes every connection. */
  @Override
  public void close() {
    committer.close(connections::close);
  }
}
