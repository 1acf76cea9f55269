package dev.pouch.adapters.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The connections to one SQLite file: a single writer, in WAL mode with the pragmas every write
 * relies on, and a small pool of read-only readers. Readers use their own WAL connections, so they
 * never wait for the writer.
 */
final class SqliteConnections implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SqliteConnections.class);

  static final int READERS = 4;
  static final int BUSY_TIMEOUT_MILLIS = 5000;

  /** The writer's page cache, in KiB. */
  static final int WRITER_CACHE_KIB = 32 * 1024;

  private final Handle writer;
  private final ReaderPool readerPool;
  private final Jdbi readers;

  private SqliteConnections(Handle writer, ReaderPool readerPool) {
    this.writer = writer;
    this.readerPool = readerPool;
    this.readers = Jdbi.create(readerPool);
  }

  /**
   * Opens (creating it if needed) the file and applies the pragmas; {@code migrate} brings the
   * schema up to date on the writer before any reader opens.
   */
  static SqliteConnections open(Path file, Consumer<Handle> migrate) {
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
      migrate.accept(writer);
      pool = ReaderPool.open(READERS, () -> connect(url, readerConfig()));
      return new SqliteConnections(writer, pool);
    } catch (RuntimeException e) {
      closeQuietly(pool, writer, writerConnection);
      throw e;
    }
  }

  /**
   * The one writer connection, in autocommit mode with {@code synchronous=FULL}; its plain
   * statements run on cached prepared statements ({@link WriterStatements}).
   */
  Handle writer() {
    return writer;
  }

  /** Runs a read on one of the reader connections. */
  <T> T read(HandleCallback<T, RuntimeException> work) {
    return readers.withHandle(work);
  }

  /** Closes every connection; its caller makes sure that no write still runs on the writer. */
  @Override
  public void close() {
    closeQuietly(readerPool, writer);
  }

  private static SQLiteConfig writerConfig() {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    // a reservation must be durable before the upstream call, even across a power loss
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    config.enforceForeignKeys(true);
    // sqlite-jdbc otherwise prepares and runs "SELECT last_insert_rowid()" after every INSERT (4 %
    // of a proxied request's CPU); no caller asks for generated keys
    config.setGetGeneratedKeys(false);
    // the pages every write touches (the indexes' last pages, the budgets) stay in memory: with
    // SQLite's default 2 MiB the writer re-read pages from the file on most commits
    config.setCacheSize(-WRITER_CACHE_KIB);
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

  /** Hands Jdbi the one writer connection; closing the handle closes it. */
  private record SingleConnectionFactory(Connection connection)
      implements org.jdbi.v3.core.ConnectionFactory {
    @Override
    public Connection openConnection() {
      return connection;
    }
  }
}
