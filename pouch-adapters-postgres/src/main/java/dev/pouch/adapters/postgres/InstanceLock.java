package dev.pouch.adapters.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * This process's claim on a schema: a session advisory lock held on a connection of its own for as
 * long as the store is open, so that a second Pouch on the same schema is refused at start instead
 * of recovering (charging in full) the first one's reservations in flight. Instances that share a
 * schema need leases instead (docs/SCALING.md): the next step.
 */
final class InstanceLock implements AutoCloseable {
  private final Connection connection;

  private InstanceLock(Connection connection) {
    this.connection = connection;
  }

  /**
   * Takes the schema's lock.
   *
   * @throws IllegalStateException when another process holds it
   */
  static InstanceLock acquire(Database database, String schema) {
    Connection connection = null;
    try {
      connection = database.dedicatedConnection();
      try (PreparedStatement statement =
          connection.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
        statement.setString(1, key(schema));
        try (ResultSet rs = statement.executeQuery()) {
          rs.next();
          if (!rs.getBoolean(1)) {
            throw new IllegalStateException(
                "another Pouch is running on the PostgreSQL schema "
                    + schema
                    + ": one instance per schema for now (docs/SCALING.md)");
          }
        }
      }
      return new InstanceLock(connection);
    } catch (SQLException e) {
      closeQuietly(connection);
      throw new IllegalStateException("cannot lock the PostgreSQL schema " + schema, e);
    } catch (RuntimeException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  private static String key(String schema) {
    return "pouch instance:" + schema;
  }

  private static void closeQuietly(Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException ignored) {
      // the lock goes with the connection's session either way
    }
  }

  /** Releases the lock with its session (the pool closes the connection on shutdown). */
  @Override
  public void close() {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT pg_advisory_unlock_all()")) {
      statement.execute();
    } catch (SQLException ignored) {
      // the session ends with the pool, and its locks with it
    }
    closeQuietly(connection);
  }
}
