package dev.pouch.adapters.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The connections to one SQLite file: a single writer and a small pool of read-only readers.
 *
 * <p>Every write goes through the one writer connection, one caller at a time behind a fair lock
 * (SQLite admits one writer anyway, and its busy timeout is no fair queue). The writer stays in
 * autocommit mode; transactions are plain {@code BEGIN IMMEDIATE} / {@code COMMIT} / {@code
 * ROLLBACK} statements, never the JDBC transaction API, whose sqlite-jdbc implementation begins a
 * new transaction right after each commit and can report a saved commit as failed. Readers use
 * their own WAL connections, so they never wait for the writer.
 */
final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  static final int READERS = 4;
  static final int BUSY_TIMEOUT_MILLIS = 5000;

  private final ReentrantLock writeLock = new ReentrantLock(true);
  private final Handle writer;
  private final ReaderPool readerPool;
  private final Jdbi readers;

  private Database(Handle writer, ReaderPool readerPool) {
    this.writer = writer;
    this.readerPool = readerPool;
    this.readers = Jdbi.create(readerPool);
  }

  /** Opens (creating it if needed) the file, applies the pragmas and migrates the schema. */
  static Database open(Path file) {
    String url = "jdbc:sqlite:" + file.toAbsolutePath();
    Connection writerConnection = connect(url, writerConfig());
    Handle writer = null;
    ReaderPool pool = null;
    try {
      Jdbi writerJdbi = Jdbi.create(new SingleConnectionFactory(writerConnection));
      writerJdbi.setStatementBuilderFactory(connection -> new CachingStatementBuilder());
      writer = writerJdbi.open();
      String journalMode = writer.select("PRAGMA journal_mode").mapTo(String.class).one();
      if (!"wal".equalsIgnoreCase(journalMode)) {
        throw new IllegalStateException(
            "SQLite refused WAL mode (journal_mode=" + journalMode + ")");
      }
      Migrations.apply(writer);
      pool = ReaderPool.open(READERS, () -> connect(url, readerConfig()));
      return new Database(writer, pool);
    } catch (RuntimeException e) {
      closeQuietly(pool, writer, writerConnection);
      throw e;
    }
  }

  /** Runs one statement (or several that need no atomicity) on the writer, durable on return. */
  <T> T write(HandleCallback<T, RuntimeException> work) {
    writeLock.lock();
    try {
      return work.withHandle(writer);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Runs {@code work} in one {@code BEGIN IMMEDIATE} transaction on the writer: committed when it
   * returns {@link Outcome#commit}, rolled back when it returns {@link Outcome#rollback} or throws.
   */
  <T> T transaction(TransactionWork<T> work) {
    writeLock.lock();
    try {
      return inTransaction(writer, work);
    } finally {
      writeLock.unlock();
    }
  }

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

  /** Runs a read on one of the reader connections. */
  <T> T read(HandleCallback<T, RuntimeException> work) {
    return readers.withHandle(work);
  }

  private static void rollbackAfterFailure(Handle handle) {
    try {
      handle.execute("ROLLBACK");
    } catch (RuntimeException e) {
      // the failed statement may already have ended the transaction: nothing is left to undo
      log.atDebug().setCause(e).log("rollback after a failed transaction found none open");
    }
  }

  @Override
  public void close() {
    writeLock.lock();
    try {
      closeQuietly(readerPool, writer);
    } finally {
      writeLock.unlock();
    }
  }

  private static SQLiteConfig writerConfig() {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    // a reservation must be durable before the upstream call, even across a power loss
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    config.enforceForeignKeys(true);
    return config;
  }

  private static SQLiteConfig readerConfig() {
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    config.enforceForeignKeys(true);
    return config;
  }

  private static Connection connect(String url, SQLiteConfig config) {
    try {
      return config.createConnection(url);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open SQLite database " + url, e);
    }
  }

  private static void closeQuietly(AutoCloseable... resources) {
    for (AutoCloseable resource : resources) {
      if (resource == null) {
        continue;
      }
      try {
        resource.close();
      } catch (Exception e) {
        log.atWarn().setCause(e).log("closing a database resource failed");
      }
    }
  }

  /** The work of one transaction. */
  @FunctionalInterface
  interface TransactionWork<T> {
    Outcome<T> run(Handle handle);
  }

  /** What a transaction returns, and whether it commits. */
  record Outcome<T>(T value, boolean commit) {
    static <T> Outcome<T> commit(T value) {
      return new Outcome<>(value, true);
    }

    static <T> Outcome<T> rollback(T value) {
      return new Outcome<>(value, false);
    }
  }

  /** Hands Jdbi the one writer connection; closing the handle closes it. */
  private record SingleConnectionFactory(Connection connection)
      implements org.jdbi.v3.core.ConnectionFactory {
    @Override
    public Connection openConnection() {
      return connection;
    }
  }
}
