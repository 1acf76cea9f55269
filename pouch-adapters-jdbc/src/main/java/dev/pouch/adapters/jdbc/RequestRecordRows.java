package dev.pouch.adapters.jdbc;

import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.log.RequestRecord;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Locale;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The {@code request_log} row of a {@link RequestRecord}, one column per field, the same in every
 * SQL store: its columns, its positional {@code INSERT} with the values to bind, and its mapper.
 */
public final class RequestRecordRows {
  /** The columns of a row, in the order of {@link #INSERT}'s values. */
  public static final String COLUMNS =
      "request_id, key_id, model, created_at, status, streamed, prompt_tokens,"
          + " cached_prompt_tokens, completion_tokens, reserved_micros, cost_micros, basis,"
          + " overrun_micros, latency_millis, error_code, priced_as, client_request_id,"
          + " end_user_id, upstream";

  /** Appends one row; bind {@link #values(RequestRecord)}. */
  public static final String INSERT =
      "INSERT INTO request_log ("
          + COLUMNS
          + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  /** Reads a row selected with {@link #COLUMNS}. */
  public static final RowMapper<RequestRecord> MAPPER = RequestRecordRows::map;

  private RequestRecordRows() {}

  /**
   * The values of {@link #INSERT}, in order: instants as epoch milliseconds, {@code streamed} as a
   * {@link Boolean} (the store binds it as its dialect stores a flag).
   */
  public static Object[] values(RequestRecord record) {
    return new Object[] {
      record.requestId(),
      record.keyId(),
      record.model(),
      record.createdAt().toEpochMilli(),
      record.status(),
      record.streamed(),
      record.promptTokens(),
      record.cachedPromptTokens(),
      record.completionTokens(),
      record.reservedMicros(),
      record.costMicros(),
      basisColumn(record.basis()),
      record.overrunMicros(),
      record.latencyMillis(),
      record.errorCode(),
      record.pricedAs(),
      record.clientRequestId(),
      record.endUserId(),
      record.upstream()
    };
  }

  /** How a basis is stored: its wire name, or NULL. */
  public static String basisColumn(SettlementBasis basis) {
    return basis == null ? null : basis.wireName();
  }

  private static SettlementBasis basis(String column) {
    return column == null ? null : SettlementBasis.valueOf(column.toUpperCase(Locale.ROOT));
  }

  private static RequestRecord map(ResultSet rs, StatementContext context) throws SQLException {
    return new RequestRecord(
        rs.getString("request_id"),
        rs.getString("key_id"),
        rs.getString("model"),
        Instant.ofEpochMilli(rs.getLong("created_at")),
        rs.getInt("status"),
        // a boolean column, or SQLite's 0/1 integer: getBoolean reads both
        rs.getBoolean("streamed"),
        rs.getLong("prompt_tokens"),
        rs.getLong("cached_prompt_tokens"),
        rs.getLong("completion_tokens"),
        rs.getLong("reserved_micros"),
        rs.getLong("cost_micros"),
        basis(rs.getString("basis")),
        rs.getLong("overrun_micros"),
        rs.getLong("latency_millis"),
        rs.getString("error_code"),
        rs.getString("priced_as"),
        rs.getString("client_request_id"),
        rs.getString("end_user_id"),
        rs.getString("upstream"));
  }
}
