package dev.pouch.adapters.jdbc;

import dev.pouch.application.port.out.RequestLog.DailySpend;
import dev.pouch.application.port.out.RequestLog.UsageBucket;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Objects;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * Usage and daily spend read from the hourly totals ({@code request_rollups}, which a trigger keeps
 * in step with every {@code request_log} insert) for the whole hours of a range, and from the rows
 * for the rest (ARCHITECTURE D37). The same SQL on SQLite and PostgreSQL: integer division, {@code
 * CAST(sum(…) AS bigint)} (SQLite's {@code sum} fails on overflow, PostgreSQL's cast does).
 */
public final class RequestRollups {
  /** The width of a rollup row. */
  public static final long HOUR_MILLIS = 3_600_000L;

  /** A UTC day: bind it as {@code :width} for {@link #dailySpendSql}. */
  public static final long DAY_MILLIS = 86_400_000L;

  /** Reads a row of {@link #usageSql}. */
  public static final RowMapper<UsageBucket> USAGE =
      (rs, ctx) ->
          new UsageBucket(
              Instant.ofEpochMilli(rs.getLong("bucket")),
              rs.getLong("requests"),
              rs.getLong("prompt_tokens"),
              rs.getLong("completion_tokens"),
              rs.getLong("cost_micros"));

  /** Reads a row of {@link #dailySpendSql}. */
  public static final RowMapper<DailySpend> DAILY_SPEND =
      (rs, ctx) ->
          new DailySpend(
              LocalDate.ofEpochDay(rs.getLong("bucket") / DAY_MILLIS),
              rs.getString("key_id"),
              rs.getString("model"),
              rs.getLong("requests"),
              rs.getLong("prompt_tokens"),
              rs.getLong("completion_tokens"),
              rs.getLong("cost_micros"));

  private RequestRollups() {}

  /**
   * How a range {@code [from, to)} is read: {@code [from, hoursFrom)} and {@code [hoursTo, to)}
   * from rows, {@code [hoursFrom, hoursTo)} from the hourly totals (empty when the buckets are not
   * whole hours or the range holds no whole hour). Epoch milliseconds.
   */
  public record Split(long from, long hoursFrom, long hoursTo, long to) {

    /** The split of {@code [from, to)} into buckets {@code bucketMillis} wide. */
    public static Split of(Instant from, Instant to, long bucketMillis) {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      long start = from.toEpochMilli();
      long end = to.toEpochMilli();
      long firstHour = Math.floorDiv(start + HOUR_MILLIS - 1, HOUR_MILLIS) * HOUR_MILLIS;
      long lastHour = Math.floorDiv(end, HOUR_MILLIS) * HOUR_MILLIS;
      if (bucketMillis % HOUR_MILLIS != 0 || firstHour >= lastHour) {
        return new Split(start, end, end, end); // rows only
      }
      return new Split(start, firstHour, lastHour, end);
    }

    /** Binds {@code :from :hours_from :hours_to :to}. */
    public Query bind(Query query) {
      return query
          .bind("from", from)
          .bind("hours_from", hoursFrom)
          .bind("hours_to", hoursTo)
          .bind("to", to);
    }
  }

  /**
   * Spend and tokens per bucket of {@code :width} milliseconds, oldest first; bind {@code :width},
   * the {@link Split} and, for one key, {@code :key_id}.
   */
  public static String usageSql(boolean oneKey) {
    String key = oneKey ? " AND key_id = :key_id" : "";
    return "SELECT bucket, CAST(sum(requests) AS bigint) AS requests,"
        + " CAST(sum(prompt_tokens) AS bigint) AS prompt_tokens,"
        + " CAST(sum(completion_tokens) AS bigint) AS completion_tokens,"
        + " CAST(sum(cost_micros) AS bigint) AS cost_micros FROM ("
        + parts("", key)
        + ") AS parts GROUP BY bucket ORDER BY bucket";
  }

  /**
   * Spend and tokens per UTC day (its first millisecond as {@code bucket}), key and model, ordered
   * so; bind {@code :width} to a day and the {@link Split}.
   */
  public static String dailySpendSql() {
    return "SELECT bucket, key_id, model, CAST(sum(requests) AS bigint) AS requests,"
        + " CAST(sum(prompt_tokens) AS bigint) AS prompt_tokens,"
        + " CAST(sum(completion_tokens) AS bigint) AS completion_tokens,"
        + " CAST(sum(cost_micros) AS bigint) AS cost_micros FROM ("
        + parts(" key_id, model,", "")
        + ") AS parts GROUP BY bucket, key_id, model ORDER BY bucket, key_id, model";
  }

  /** The totals of the whole hours, then the rows before and after them. */
  private static String parts(String columns, String keyCondition) {
    String rows =
        "SELECT created_at / :width * :width AS bucket,"
            + columns
            + " 1 AS requests, prompt_tokens, completion_tokens, cost_micros FROM request_log";
    return "SELECT hour / :width * :width AS bucket,"
        + columns
        + " requests, prompt_tokens, completion_tokens, cost_micros FROM request_rollups"
        + " WHERE hour >= :hours_from AND hour < :hours_to"
        + keyCondition
        + " UNION ALL "
        + rows
        + " WHERE created_at >= :from AND created_at < :hours_from"
        + keyCondition
        + " UNION ALL "
        + rows
        + " WHERE created_at >= :hours_to AND created_at < :to"
        + keyCondition;
  }
}
