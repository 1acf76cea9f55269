package dev.pouch.adapters.sqlite;

import dev.pouch.adapters.jdbc.RequestRecordRows;
import dev.pouch.adapters.jdbc.RequestRollups;
import dev.pouch.adapters.sqlite.GroupCommitter.Sync;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.domain.log.RequestRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jdbi.v3.core.statement.Query;

/** {@link RequestLog} on the {@code request_log} table. */
final class SqliteRequestLog implements RequestLog {
  static final int MAX_PAGE = 1000;
  static final int MAX_PRUNE_BATCH = 100_000;

  /**
   * The oldest rows due, by the time index: one write transaction of at most a batch, so the writer
   * is held briefly and settlements queue behind it for that long only.
   */
  private static final String PRUNE =
      "DELETE FROM request_log WHERE seq IN (SELECT seq FROM request_log"
          + " WHERE created_at < :before ORDER BY created_at LIMIT :batch)";

  private final Database database;

  SqliteRequestLog(Database database) {
    this.database = database;
  }

  @Override
  public void append(RequestRecord record) {
    Objects.requireNonNull(record, "record");
    database.write(
        handle -> {
          WriterStatements.update(
              handle, RequestRecordRows.INSERT, RequestRecordRows.values(record));
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
    if (bucketSeconds <= 0) {
      throw new IllegalArgumentException("bucketSeconds must be positive");
    }
    long width = Math.multiplyExact(bucketSeconds, 1000L);
    RequestRollups.Split split = RequestRollups.Split.of(from, to, width);
    String sql = RequestRollups.usageSql(keyId != null);
    return database.read(
        handle -> {
          Query query = split.bind(handle.createQuery(sql)).bind("width", width);
          if (keyId != null) {
            query.bind("key_id", keyId);
          }
          return query.map(RequestRollups.USAGE).list();
        });
  }

  @Override
  public List<DailySpend> dailySpend(Instant from, Instant to) {
    RequestRollups.Split split = RequestRollups.Split.of(from, to, RequestRollups.DAY_MILLIS);
    return database.read(
        handle ->
            split
                .bind(handle.createQuery(RequestRollups.dailySpendSql()))
                .bind("width", RequestRollups.DAY_MILLIS)
                .map(RequestRollups.DAILY_SPEND)
                .list());
  }

  @Override
  public int prune(Instant before, int batch) {
    Objects.requireNonNull(before, "before");
    if (batch < 1 || batch > MAX_PRUNE_BATCH) {
      throw new IllegalArgumentException("batch must be 1 to " + MAX_PRUNE_BATCH);
    }
    return database.transaction(
        handle ->
            Outcome.commit(
                handle
                    .createUpdate(PRUNE)
                    .bind("before", before.toEpochMilli())
                    .bind("batch", batch)
                    .execute()),
        // a prune a power loss undoes is done again by the next run
        Sync.LATER);
  }

  private static String where(List<String> conditions) {
    return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
  }
}
