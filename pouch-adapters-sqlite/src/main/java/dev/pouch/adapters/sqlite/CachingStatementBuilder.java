package dev.pouch.adapters.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.statement.DefaultStatementBuilder;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Keeps the writer's prepared statements for the life of its handle, so the hot ledger statements
 * are compiled once. Only for the writer handle, which one thread at a time uses behind the lock.
 */
final class CachingStatementBuilder extends DefaultStatementBuilder {
  private final Map<String, PreparedStatement> cache = new HashMap<>();

  @Override
  public PreparedStatement create(Connection connection, String sql, StatementContext context)
      throws SQLException {
    PreparedStatement statement = cache.get(sql);
    if (statement != null && !statement.isClosed()) {
      statement.clearParameters();
      return statement;
    }
    statement = super.create(connection, sql, context);
    cache.put(sql, statement);
    return statement;
  }

  @Override
  public void close(Connection connection, String sql, Statement statement) throws SQLException {
    if (cache.get(sql) != statement) {
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
  }
}
