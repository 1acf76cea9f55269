package dev.pouch.adapters.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The store's connections: a HikariCP pool with Jdbi on top. Every connection works in the store's
 * schema ({@code search_path}) with {@code synchronous_commit = on}, whatever the server's default,
 * so a commit that returns is on disk; only a transaction run {@link Durability#WITH_NEXT_FLUSH}
 * relaxes that, for itself. Transactions are READ COMMITTED, the server's default: every guarded
 * statement reads the latest committed rows it locks.
 */
final class Database implements AutoCloseable {
  /** Enough for a busy instance: a reservation or settlement holds a connection for ~1 ms. */
  private static final int POOL_SIZE = 16;

  /** One synchronous write of this connection's own row: no lock shared with another. */
  private static final String FLUSH_MARK =
      "INSERT INTO wal_flushes (backend, flushes) VALUES (pg_backend_pid(), 1)"
          + " ON CONFLICT (backend) DO UPDATE SET flushes = wal_flushes.flushes + 1";

  private final HikariDataSource pool;
  private final Jdbi jdbi;

  private Database(HikariDataSource pool) {
    this.pool = pool;
    this.jdbi = Jdbi.create(pool);
  }

  static Database open(PostgresUrl url) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url.jdbcUrl());
    config.setUsername(url.user());
    config.setPassword(url.password());
    config.setSchema(url.schema());
    config.setMaximumPoolSize(POOL_SIZE);
    config.setMinimumIdle(2);
    config.setPoolName("pouch-postgres");
    config.setConnectionInitSql("SET synchronous_commit = on");
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    // fail fast at start when the server is not there, with the driver's reason
    config.setInitializationFailTimeout(2_000);
    return new Database(new HikariDataSource(config));
  }

  /** A statement or several in autocommit mode. */
  <T> T read(Function<Handle, T> work) {
    return jdbi.withHandle(work::apply);
  }

  /** One statement in autocommit mode: committed, and on disk, when it returns. */
  <T> T write(Function<Handle, T> work) {
    return jdbi.withHandle(work::apply);
  }

  /** One transaction, committed on disk or rolled back as {@code work} decides. */
  <T> T transaction(TransactionWork<T> work) {
    return transaction(work, Durability.NOW);
  }

  /**
   * One transaction that commits or rolls back as {@code work} decides; rolled back when it throws.
   */
  <T> T transaction(TransactionWork<T> work, Durability durability) {
    return jdbi.withHandle(
        handle -> {
          handle.begin();
          try {
            if (durability != Durability.NOW) {
              handle.execute("SET LOCAL synchronous_commit = off");
            }
            Outcome<T> outcome = work.run(handle);
            if (!outcome.commit()) {
              handle.rollback();
              return outcome.value();
            }
            handle.commit();
            if (durability == Durability.ON_DISK_AFTER_UNLOCK) {
              // autocommit, synchronous: returns once the WAL is on disk up to here
              handle.execute(FLUSH_MARK);
            }
            return outcome.value();
          } catch (RuntimeException | Error e) {
            try {
              handle.rollback();
            } catch (RuntimeException lostConnection) {
              e.addSuppressed(lostConnection); // the pool discards the broken connection
            }
            throw e;
          }
        });
  }

  /** A connection of the pool kept out of it for as long as the caller holds it. */
  Connection dedicatedConnection() throws SQLException {
    return pool.getConnection();
  }

  /**
   * A new connection outside the pool, to the same server as the same user, for a session that
   * lives apart from it (LISTEN): the caller closes it. It does not set the schema.
   */
  Connection unpooledConnection(String applicationName) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", pool.getUsername());
    if (pool.getPassword() != null) {
      properties.setProperty("password", pool.getPassword());
    }
    properties.setProperty("ApplicationName", applicationName);
    properties.setProperty("connectTimeout", "5");
    properties.setProperty("tcpKeepAlive", "true");
    return DriverManager.getConnection(pool.getJdbcUrl(), properties);
  }

  @Override
  public void close() {
    pool.close();
  }
}
