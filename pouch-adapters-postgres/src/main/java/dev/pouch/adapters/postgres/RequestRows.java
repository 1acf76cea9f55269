package dev.pouch.adapters.postgres;

import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.log.RequestRecord;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Locale;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** The {@code request_log} row of a {@link RequestRecord}: one column per field. */
final class RequestRows {
  static final String COLUMNS =
      "request_id, key_id, model, created_at, status, streamed, prompt_tokens,"
          + " cached_prompt_tokens, completion_tokens, reserved_micros, cost_micros, basis,"
          + " overrun_micros, latency_millis, error_code, priced_as, client_request_id,"
          + " end_user_id, upstream";

  private static final String INSERT =
      "INSERT INTO request_log ("
          + COLUMNS
          + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  /** Reads a row selected with {@link #COLUMNS}. */
  static final RowMapper<RequestRecord> MAPPER = RequestRows::map;

  private RequestRows() {}

  /** Appends {@code record} on {@code handle} (inside the caller's transaction, if any). */
  static void insert(Handle handle, RequestRecord record) {
    handle.execute(
        INSERT,
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
        record.upstream());
  }

  /** How a basis is stored: its wire name, or NULL. */
  static String basisColumn(SettlementBasis basis) {
    return basis == null ? null : basis.wireName();
  }

  static SettlementBasis basis(String column) {
    return column == null ? null : SettlementBasis.valueOf(column.toUpperCase(Locale.ROOT));
  }

  private static RequestRecord map(ResultSet rs, StatementContext context) throws SQLException {
    return new RequestRecord(
        rs.getString("request_id"),
        rs.getString("key_id"),
        rs.getString("model"),
        Instant.ofEpochMilli(rs.getLong("created_at")),
        rs.getInt("status"),
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
