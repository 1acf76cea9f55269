package dev.pouch.adapters.postgres;

import dev.pouch.adapters.jdbc.RequestLogReads;
import dev.pouch.adapters.jdbc.RequestRecordRows;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.domain.log.RequestRecord;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** {@link RequestLog} on the {@code request_log} table. */
final class PostgresRequestLog implements RequestLog {
  /**
   * The oldest rows due, by the time index, in one autocommit statement; rows another instance is
   * deleting are skipped (SKIP LOCKED), so instances pruning at once split the work.
   */
  private static final String PRUNE =
      "DELETE FROM request_log WHERE seq IN (SELECT seq FROM request_log"
          + " WHERE created_at < :before ORDER BY created_at LIMIT :batch FOR UPDATE SKIP LOCKED)";

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
    return database.read(handle -> RequestLogReads.list(handle, keyId, before, limit));
  }

  @Override
  public List<RequestRecord> find(String id, int limit) {
    Objects.requireNonNull(id, "id");
    return database.read(handle -> RequestLogReads.find(handle, id, limit));
  }

  @Override
  public List<RequestRecord> listAfter(String keyId, String afterRequestId, int limit) {
    Objects.requireNonNull(afterRequestId, "afterRequestId");
    return database.read(handle -> RequestLogReads.listAfter(handle, keyId, afterRequestId, limit));
  }

  @Override
  public List<UsageBucket> usage(String keyId, Instant from, Instant to, long bucketSeconds) {
    return database.read(handle -> RequestLogReads.usage(handle, keyId, from, to, bucketSeconds));
  }

  @Override
  public List<DailySpend> dailySpend(Instant from, Instant to) {
    return database.read(handle -> RequestLogReads.dailySpend(handle, from, to));
  }

  @Override
  public int prune(Instant before, int batch) {
    RequestLogReads.checkPrune(before, batch);
    return database.write(
        handle ->
            handle
                .createUpdate(PRUNE)
                .bind("before", before.toEpochMilli())
                .bind("batch", batch)
                .execute());
  }
}
