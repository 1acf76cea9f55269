package dev.pouch.adapters.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.jdbi.v3.core.statement.DefaultStatementBuilder;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Keeps the writer's prepared statements for the life of its handle, so the hot ledger statements
 * are compiled once. Only for the writer handle, which one thread at a time uses behind the lock.
 */
final class CachingStatementBuilder extends DefaultStatementBuilder {
  private final Map<String, PreparedStatement> cache = new HashMap<>();
  private final Map<Statement, Boolean> cached = new IdentityHashMap<>();
  private long misses;

  /** How many cached statements had to be prepared again (for tests and diagnostics). */
  long misses() {
    return misses;
  }

  private static void closeQuietly(Statement statement) {
    try {
      statement.close();
    } catch (SQLException e) {
      // already unusable: nothing to free
    }
  }

  @Override
  public PreparedStatement create(Connection connection, String sql, StatementContext context)
      throws SQLException {
    return cached(sql, () -> super.create(connection, sql, context));
  }

  /**
   * The statement for {@code sql}, prepared once, for the hot statements that skip Jdbi ({@link
   * WriterStatements}). Its parameters are cleared; the caller binds them all and closes any result
   * set it opens, never the statement.
   */
  PreparedStatement prepared(Connection connection, String sql) throws SQLException {
    return cached(sql, () -> connection.prepareStatement(sql));
  }

  private PreparedStatement cached(String sql, Preparation preparation) throws SQLException {
    PreparedStatement statement = cache.get(sql);
    if (statement != null && !statement.isClosed()) {
      try {
        statement.clearParameters();
        return statement;
      } catch (SQLException e) {
        // sqlite-jdbc finalised it underneath (its pointer is gone though isClosed() says no)
        misses++;
        closeQuietly(statement);
      }
    }
    statement = preparation.prepare();
    PreparedStatement replaced = cache.put(sql, statement);
    if (replaced != null) {
      cached.remove(replaced);
    }
    cached.put(statement, Boolean.TRUE);
    return statement;
  }

  @FunctionalInterface
  private interface Preparation {
    PreparedStatement prepare() throws SQLException;
  }

  @Override
  public void close(Connection connection, String sql, Statement statement) throws SQLException {
    // Jdbi names the statement here by its SQL before parameter parsing, not the SQL create() saw
    if (!cached.containsKey(statement)) {
      super.close(connection, sql, statement);
    }
  }

  @Override
  public void close(Connection connection) {
    for (PreparedStatement statement : cache.values()) {
      try {
        statement.close();
      } catch (SQLException e) {
        // the connection closes right after, which frees the statement anyway
      }
    }
    cache.clear();
    cached.clear();
  }
}
