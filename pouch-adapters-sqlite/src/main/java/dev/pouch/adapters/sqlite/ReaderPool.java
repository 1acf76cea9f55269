package dev.pouch.adapters.sqlite;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jdbi.v3.core.ConnectionFactory;

/**
 * A fixed set of read-only connections, lent to one Jdbi handle at a time. A caller waits when all
 * are lent; a connection given back after {@link #close} is closed instead of pooled.
 */
final class ReaderPool implements ConnectionFactory, AutoCloseable {
  private static final long WAIT_SECONDS = 30;

  private final BlockingQueue<Connection> idle;
  private volatile boolean closed;

  private ReaderPool(List<Connection> connections) {
    this.idle = new ArrayBlockingQueue<>(connections.size(), false, connections);
  }

  static ReaderPool open(int size, Supplier<Connection> connector) {
    List<Connection> connections = new ArrayList<>(size);
    try {
      for (int i = 0; i < size; i++) {
        connections.add(connector.get());
      }
    } catch (RuntimeException e) {
      connections.forEach(ReaderPool::closeQuietly);
      throw e;
    }
    return new ReaderPool(connections);
  }

  @Override
  public Connection openConnection() throws SQLException {
    if (closed) {
      throw new SQLException("the SQLite store is closed");
    }
    try {
      Connection connection = idle.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      if (connection == null) {
        throw new SQLException("no SQLite reader connection free after " + WAIT_SECONDS + " s");
      }
      return connection;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted while waiting for a SQLite reader connection", e);
    }
  }

  @Override
  public void closeConnection(Connection connection) throws SQLException {
    if (closed) {
      connection.close();
      return;
    }
    idle.add(connection);
    if (closed && idle.remove(connection)) {
      connection.close(); // closed while we were giving it back
    }
  }

  @Override
  public void close() {
    closed = true;
    Connection connection;
    while ((connection = idle.poll()) != null) {
      closeQuietly(connection);
    }
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      // nothing useful to do: the connection is gone either way
    }
  }
}
