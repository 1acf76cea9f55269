package dev.pouch.adapters.sqlite;

import dev.pouch.adapters.jdbc.RequestLogReads;
import dev.pouch.adapters.jdbc.RequestRecordRows;
import dev.pouch.adapters.sqlite.GroupCommitter.Sync;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.domain.log.RequestRecord;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** {@link RequestLog} on the {@code request_log} table. */
final class SqliteRequestLog implements RequestLog {
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
}
