package dev.pouch.adapters.sqlite;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementBuilder;

/**
 * The statements every proxied request runs (reserve, settle, the request-log row, the group
 * commit's own) on plain JDBC, on the writer's cached prepared statements. Through Jdbi, binding
 * and mapping cost about half as much CPU as SQLite spent on the statements, ~5 % of a request
 * (ARCHITECTURE D18); the rest of the adapter keeps Jdbi. Only for work running on the writer.
 */
final class WriterStatements {
  private WriterStatements() {}

  /** Reads the one row a statement returned. */
  @FunctionalInterface
  interface RowReader<T> {
    T read(ResultSet row) throws SQLException;
  }

  /** Runs an update with the given parameters and returns how many rows it changed. */
  static int update(Handle writer, String sql, Object... parameters) {
    try {
      PreparedStatement statement = bound(writer, sql, parameters);
      return statement.executeUpdate();
    } catch (SQLException e) {
      throw failed(sql, e);
    }
  }

  /**
   * Runs a statement that returns at most one row ({@code UPDATE … RETURNING}, a keyed {@code
   * SELECT}) and reads it, or returns null when there is none.
   */
  static <T> T one(Handle writer, String sql, RowReader<T> reader, Object... parameters) {
    try {
      PreparedStatement statement = bound(writer, sql, parameters);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? reader.read(rows) : null;
      }
    } catch (SQLException e) {
      throw failed(sql, e);
    }
  }

  /** Runs a statement that returns rows ({@code UPDATE … RETURNING}) and reads every one. */
  static <T> List<T> all(Handle writer, String sql, RowReader<T> reader, Object... parameters) {
    try {
      PreparedStatement statement = bound(writer, sql, parameters);
      List<T> read = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          read.add(reader.read(rows));
        }
      }
      return read;
    } catch (SQLException e) {
      throw failed(sql, e);
    }
  }

  /** Names the statement and keeps SQLite's message (SQLITE_BUSY …) in the exception's own. */
  private static IllegalStateException failed(String sql, SQLException e) {
    return new IllegalStateException(e.getMessage() + " [statement: " + sql + "]", e);
  }

  /** Runs a statement without parameters or results ({@code BEGIN}, {@code COMMIT} …). */
  static void execute(Handle writer, String sql) {
    update(writer, sql);
  }

  private static PreparedStatement bound(Handle writer, String sql, Object... parameters)
      throws SQLException {
    StatementBuilder builder = writer.getStatementBuilder();
    if (!(builder instanceof CachingStatementBuilder caching)) {
      throw new IllegalStateException("plain JDBC statements run on the writer only");
    }
    PreparedStatement statement = caching.prepared(writer.getConnection(), sql);
    for (int i = 0; i < parameters.length; i++) {
      bind(statement, i + 1, parameters[i]);
    }
    return statement;
  }

  private static void bind(PreparedStatement statement, int index, Object value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.NULL);
    } else if (value instanceof Long number) {
      statement.setLong(index, number);
    } else if (value instanceof Integer number) {
      statement.setInt(index, number);
    } else if (value instanceof String text) {
      statement.setString(index, text);
    } else if (value instanceof Boolean flag) {
      statement.setInt(index, flag ? 1 : 0); // SQLite has no boolean: 0/1 columns
    } else {
      throw new IllegalArgumentException("no binding for " + value.getClass());
    }
  }
}
