package dev.pouch.adapters.postgres;

import dev.pouch.adapters.jdbc.NoticeRows;
import dev.pouch.application.port.out.UndeliveredNotices;
import java.util.List;
import java.util.Objects;

/** {@link UndeliveredNotices} on the {@code undelivered_notices} table. */
final class PostgresUndeliveredNotices implements UndeliveredNotices {
  private final Database database;

  PostgresUndeliveredNotices(Database database) {
    this.database = database;
  }

  @Override
  public long record(UndeliveredNotice notice) {
    Objects.requireNonNull(notice, "notice");
    return database.write(
        handle ->
            handle
                .createQuery(
                    "INSERT INTO undelivered_notices (url_host, type, key_id, payload,"
                        + " last_status, last_error, attempts, first_attempt_at, last_attempt_at)"
                        + " VALUES (:host, :type, :key_id, :payload, :status, :error, :attempts,"
                        + " :first, :last) RETURNING id")
                .bind("host", notice.urlHost())
                .bind("type", notice.type())
                .bind("key_id", notice.keyId())
                .bind("payload", notice.payload())
                .bind("status", notice.lastStatus())
                .bind("error", notice.lastError())
                .bind("attempts", notice.attempts())
                .bind("first", notice.firstAttemptAt().toEpochMilli())
                .bind("last", notice.lastAttemptAt().toEpochMilli())
                .mapTo(Long.class)
                .one());
  }

  @Override
  public List<Kept> list(Long beforeId, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    return database.read(
        handle ->
            handle
                .createQuery(
                    "SELECT "
                        + NoticeRows.COLUMNS
                        + " FROM undelivered_notices WHERE id < :before ORDER BY id DESC"
                        + " LIMIT :limit")
                .bind("before", beforeId == null ? Long.MAX_VALUE : beforeId)
                .bind("limit", limit)
                .map(NoticeRows.MAPPER)
                .list());
  }

  @Override
  public boolean delete(long id) {
    return database.write(
            handle -> handle.execute("DELETE FROM undelivered_notices WHERE id = ?", id))
        > 0;
  }

  @Override
  public int deleteAll() {
    return database.write(handle -> handle.execute("DELETE FROM undelivered_notices"));
  }
}
