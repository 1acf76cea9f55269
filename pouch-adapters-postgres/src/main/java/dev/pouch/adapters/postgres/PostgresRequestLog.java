package dev.pouch.adapters.postgres;

import dev.pouch.adapters.jdbc.RequestRecordRows;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.domain.log.RequestRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jdbi.v3.core.statement.Query;

/** {@link RequestLog} on the {@code request_log} table. */
final class PostgresRequestLog implements RequestLog {
  static final int MAX_PAGE = 1000;

  private final Database database;

  PostgresRequestLog(Database database) {
    this.database = database;
  }

  @Override
  public void append(RequestRecord record) {
    Objects.requireNonNull(record, "record");
    database.write(
        handle -> {
          handle.execute(RequestRecordRows.INSERT, RequestRecordRows.values(record));
          return null;
        });
  }

  @Override
  public List<RequestRecord> list(String keyId, Instant before, int limit) {
    List<String> conditions = new ArrayList<>();
    if (keyId != null) {
      conditions.add("key_id = :key_id");
    }
    if (before != null) {
      conditions.add("created_at < :before");
    }
    String sql =
        "SELECT "
            + RequestRecordRows.COLUMNS
            + " FROM request_log"
            + where(conditions)
            + " ORDER BY created_at DESC, seq DESC LIMIT :limit";
    int page = Math.max(1, Math.min(MAX_PAGE, limit));
    return database.read(
        handle -> {
          Query query = handle.createQuery(sql).bind("limit", page);
          if (keyId != null) {
            query.bind("key_id", keyId);
          }
          if (before != null) {
            query.bind("before", before.toEpochMilli());
          }
          return query.map(RequestRecordRows.MAPPER).list();
        });
  }

  @Override
  public List<RequestRecord> find(String id, int limit) {
    Objects.requireNonNull(id, "id");
    String sql =
        "SELECT "
            + RequestRecordRows.COLUMNS
            + " FROM request_log WHERE request_id = :id OR client_request_id = :id"
            + " ORDER BY created_at DESC, seq DESC LIMIT :limit";
    int page = Math.max(1, Math.min(MAX_PAGE, limit));
    return database.read(
        handle ->
            handle
                .createQuery(sql)
                .bind("id", id)
                .bind("limit", page)
                .map(RequestRecordRows.MAPPER)
                .list());
  }

  @Override
  public List<RequestRecord> listAfter(String keyId, String afterRequestId, int limit) {
    Objects.requireNonNull(afterRequestId, "afterRequestId");
    String sql =
        "SELECT "
            + RequestRecordRows.COLUMNS
            + " FROM request_log WHERE "
            + (keyId != null ? "key_id = :key_id AND " : "")
            + "(created_at, seq) < (SELECT created_at, seq FROM request_log"
            + " WHERE request_id = :after ORDER BY seq DESC LIMIT 1)"
            + " ORDER BY created_at DESC, seq DESC LIMIT :limit";
    int page = Math.max(1, Math.min(MAX_PAGE, limit));
    return database.read(
        handle -> {
          Query query = handle.createQuery(sql).bind("limit", page).bind("after", afterRequestId);
          if (keyId != null) {
            query.bind("key_id", keyId);
          }
          return query.map(RequestRecordRows.MAPPER).list();
        });
  }

  @Override
  public List<UsageBucket> usage(String keyId, Instant from, Instant to, long bucketSeconds) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (bucketSeconds <= 0) {
      throw new IllegalArgumentException("bucketSeconds must be positive");
    }
    long width = Math.multiplyExact(bucketSeconds, 1000L);
    List<String> conditions = new ArrayList<>(List.of("created_at >= :from", "created_at < :to"));
    if (keyId != null) {
      conditions.add("key_id = :key_id");
    }
    // sum(bigint) is numeric in PostgreSQL: cast back, failing on overflow instead of rounding
    String sql =
        "SELECT (created_at / :width) * :width AS bucket, count(*) AS requests,"
            + " sum(prompt_tokens)::bigint AS prompt_tokens,"
            + " sum(completion_tokens)::bigint AS completion_tokens,"
            + " sum(cost_micros)::bigint AS cost_micros FROM request_log"
            + where(conditions)
            + " GROUP BY bucket ORDER BY bucket";
    return database.read(
        handle -> {
          Query query =
              handle
                  .createQuery(sql)
                  .bind("width", width)
                  .bind("from", from.toEpochMilli())
                  .bind("to", to.toEpochMilli());
          if (keyId != null) {
            query.bind("key_id", keyId);
          }
          return query
              .map(
                  (rs, context) ->
                      new UsageBucket(
                          Instant.ofEpochMilli(rs.getLong("bucket")),
                          rs.getLong("requests"),
                          rs.getLong("prompt_tokens"),
                          rs.getLong("completion_tokens"),
                          rs.getLong("cost_micros")))
              .list();
        });
  }

  private static String where(List<String> conditions) {
    return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
  }
}
