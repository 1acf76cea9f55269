package dev.pouch.adapters.jdbc;

import dev.pouch.application.port.out.UndeliveredNotices.Kept;
import dev.pouch.application.port.out.UndeliveredNotices.UndeliveredNotice;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** The {@code undelivered_notices} row of a kept notice, the same in every SQL store. */
public final class NoticeRows {
  /** The columns of a row, in the order {@link #MAPPER} reads them. */
  public static final String COLUMNS =
      "id, url_host, type, key_id, payload, last_status, last_error, attempts, first_attempt_at,"
          + " last_attempt_at";

  /** Reads a row selected with {@link #COLUMNS}. */
  public static final RowMapper<Kept> MAPPER = NoticeRows::map;

  private NoticeRows() {}

  private static Kept map(ResultSet rows, StatementContext context) throws SQLException {
    int status = rows.getInt(6);
    Integer lastStatus = rows.wasNull() ? null : status;
    return new Kept(
        rows.getLong(1),
        new UndeliveredNotice(
            rows.getString(2),
            rows.getString(3),
            rows.getString(4),
            rows.getString(5),
            lastStatus,
            rows.getString(7),
            rows.getInt(8),
            Instant.ofEpochMilli(rows.getLong(9)),
            Instant.ofEpochMilli(rows.getLong(10))));
  }
}
