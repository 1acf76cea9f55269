package dev.pouch.adapters.jdbc;

import dev.pouch.application.port.out.RequestLog.DailySpend;
import dev.pouch.application.port.out.RequestLog.UsageBucket;
import dev.pouch.domain.log.RequestRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * The request log's reads, the same SQL on SQLite and PostgreSQL: pages newest first by {@code
 * (created_at, seq)}, lookups by id, and usage and daily spend from the hourly totals ({@link
 * RequestRollups}). Each store runs them on a handle of its own; only writes and pruning differ.
 */
public final class RequestLogReads {
  /** The largest page a read returns. */
  public static final int MAX_PAGE = 1000;

  /** The largest batch one prune deletes. */
  public static final int MAX_PRUNE_BATCH = 100_000;

  private RequestLogReads() {}

  /** The newest rows (of one key, or all), before {@code before} when given. */
  public static List<RequestRecord> list(Handle handle, String keyId, Instant before, int limit) {
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
            + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions))
            + " ORDER BY created_at DESC, seq DESC LIMIT :limit";
    Query query = handle.createQuery(sql).bind("limit", page(limit));
    if (keyId != null) {
      query.bind("key_id", keyId);
    }
    if (before != null) {
      query.bind("before", before.toEpochMilli());
    }
    return query.map(RequestRecordRows.MAPPER).list();
  }

  /** The rows whose request id or client request id is {@code id}, newest first. */
  public static List<RequestRecord> find(Handle handle, String id, int limit) {
    Objects.requireNonNull(id, "id");
    return handle
        .createQuery(
            "SELECT "
                + RequestRecordRows.COLUMNS
                + " FROM request_log WHERE request_id = :id OR client_request_id = :id"
                + " ORDER BY created_at DESC, seq DESC LIMIT :limit")
        .bind("id", id)
        .bind("limit", page(limit))
        .map(RequestRecordRows.MAPPER)
        .list();
  }

  /** The rows (of one key, or all) after the row of {@code afterRequestId}, newest first. */
  public static List<RequestRecord> listAfter(
      Handle handle, String keyId, String afterRequestId, int limit) {
    Objects.requireNonNull(afterRequestId, "afterRequestId");
    String sql =
        "SELECT "
            + RequestRecordRows.COLUMNS
            + " FROM request_log WHERE "
            + (keyId != null ? "key_id = :key_id AND " : "")
            + "(created_at, seq) < (SELECT created_at, seq FROM request_log"
            + " WHERE request_id = :after ORDER BY seq DESC LIMIT 1)"
            + " ORDER BY created_at DESC, seq DESC LIMIT :limit";
    Query query = handle.createQuery(sql).bind("limit", page(limit)).bind("after", afterRequestId);
    if (keyId != null) {
      query.bind("key_id", keyId);
    }
    return query.map(RequestRecordRows.MAPPER).list();
  }

  /** Usage in buckets of {@code bucketSeconds}: whole hours from the totals, the rest from rows. */
  public static List<UsageBucket> usage(
      Handle handle, String keyId, Instant from, Instant to, long bucketSeconds) {
    if (bucketSeconds <= 0) {
      throw new IllegalArgumentException("bucketSeconds must be positive");
    }
    long width = Math.multiplyExact(bucketSeconds, 1000L);
    RequestRollups.Split split = RequestRollups.Split.of(from, to, width);
    Query query =
        split.bind(handle.createQuery(RequestRollups.usageSql(keyId != null))).bind("width", width);
    if (keyId != null) {
      query.bind("key_id", keyId);
    }
    return query.map(RequestRollups.USAGE).list();
  }

  /** Spend per UTC day, key and model. */
  public static List<DailySpend> dailySpend(Handle handle, Instant from, Instant to) {
    RequestRollups.Split split = RequestRollups.Split.of(from, to, RequestRollups.DAY_MILLIS);
    return split
        .bind(handle.createQuery(RequestRollups.dailySpendSql()))
        .bind("width", RequestRollups.DAY_MILLIS)
        .map(RequestRollups.DAILY_SPEND)
        .list();
  }

  /** Refuses a prune's arguments out of range. */
  public static void checkPrune(Instant before, int batch) {
    Objects.requireNonNull(before, "before");
    if (batch < 1 || batch > MAX_PRUNE_BATCH) {
      throw new IllegalArgumentException("batch must be 1 to " + MAX_PRUNE_BATCH);
    }
  }

  private static int page(int limit) {
    return Math.max(1, Math.min(MAX_PAGE, limit));
  }
}
