package dev.pouch.application.port.out;

import dev.pouch.domain.log.RequestRecord;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The request log. Rows of requests that reserved budget are written by {@link BudgetLedger#settle}
 * (and {@link BudgetLedger#recoverOpenReservations}); {@link #append} takes the others (refused
 * before any reservation). Every row, whichever path writes it, is added to hourly totals per key
 * and model in the same transaction; {@link #usage} and {@link #dailySpend} read those totals where
 * a range is made of whole hours, so their answers do not change when {@link #prune} deletes old
 * rows.
 */
public interface RequestLog {

  /** Appends a row for a request that made no reservation. */
  void append(RequestRecord record);

  /**
   * Rows newest first.
   *
   * @param keyId only this key's rows, or all when null
   * @param before only rows created strictly before this time, or all when null
   * @param limit at most this many rows (1 to 1000)
   */
  List<RequestRecord> list(String keyId, Instant before, int limit);

  /**
   * The next page of {@link #list}: rows newest first that come strictly after the row of {@code
   * afterRequestId} in that order (time, then arrival), so rows sharing a millisecond are neither
   * skipped nor repeated across pages.
   *
   * @param keyId only this key's rows, or all when null
   * @param afterRequestId the id of the last row of the previous page
   * @param limit at most this many rows (1 to 1000)
   * @return empty when no row has that id
   */
  List<RequestRecord> listAfter(String keyId, String afterRequestId, int limit);

  /**
   * The rows of one request, found by Pouch's id or by the {@code x-request-id} its client sent
   * ({@link RequestRecord#clientRequestId()}; a client may reuse its ids), newest first.
   *
   * @param id a request id of either kind
   * @param limit at most this many rows (1 to 1000)
   */
  List<RequestRecord> find(String id, int limit);

  /**
   * Deletes at most {@code batch} of the oldest rows created before {@code before}, in one short
   * transaction, and returns how many it deleted (fewer than {@code batch} when no more are due, or
   * when another caller is deleting the same rows). The hourly totals keep what the rows counted;
   * the ledger, reservations and stored responses are not touched.
   *
   * @param before rows created strictly before this time are due
   * @param batch at most this many rows (1 to 100,000)
   */
  int prune(Instant before, int batch);

  /**
   * Spend and tokens per time bucket, oldest first; buckets with no request are left out. Where the
   * bucket is a whole number of hours, the whole hours of the range are read from the hourly totals
   * (exact after pruning); the parts of a range that are not whole hours, and every finer bucket,
   * are read from the rows still kept.
   *
   * @param keyId one key, or all keys when null
   * @param from inclusive start
   * @param to exclusive end
   * @param bucketSeconds bucket width (3600 for hours, 86400 for days); buckets align to UTC epoch
   */
  List<UsageBucket> usage(String keyId, Instant from, Instant to, long bucketSeconds);

  /**
   * Totals of one bucket.
   *
   * @param start the bucket's start
   * @param requests requests that arrived in it
   * @param promptTokens billed prompt tokens
   * @param completionTokens billed output tokens
   * @param costMicros charged spend
   */
  record UsageBucket(
      Instant start, long requests, long promptTokens, long completionTokens, long costMicros) {}

  /**
   * Spend and tokens per UTC day, key and model of the rows created in {@code [from, to)}, ordered
   * by day, key and model: the ledger's side of a reconciliation with a provider's bill. The
   * default pages through {@link #list}/{@link #listAfter} (rows only: not exact after pruning); a
   * store overrides it with one query on its hourly totals, rows only for the parts of the range
   * that are not whole hours.
   *
   * @param from inclusive start
   * @param to exclusive end
   */
  default List<DailySpend> dailySpend(Instant from, Instant to) {
    Map<String, long[]> sums = new TreeMap<>();
    List<RequestRecord> page = list(null, to, 1000);
    while (!page.isEmpty()) {
      for (RequestRecord r : page) {
        if (r.createdAt().isBefore(from)) {
          return DailySpend.of(sums);
        }
        LocalDate day = LocalDate.ofInstant(r.createdAt(), ZoneOffset.UTC);
        long[] s =
            sums.computeIfAbsent(day + "\n" + r.keyId() + "\n" + r.model(), k -> new long[4]);
        s[0]++;
        s[1] += r.promptTokens();
        s[2] += r.completionTokens();
        s[3] = Math.addExact(s[3], r.costMicros());
      }
      page = listAfter(null, page.get(page.size() - 1).requestId(), 1000);
    }
    return DailySpend.of(sums);
  }

  /**
   * What one key spent on one model in one UTC day.
   *
   * @param day the UTC day
   * @param keyId the key
   * @param model the model asked of the upstream (the request log's)
   * @param requests requests logged
   * @param promptTokens billed prompt tokens
   * @param completionTokens billed output tokens
   * @param costMicros charged spend
   */
  record DailySpend(
      LocalDate day,
      String keyId,
      String model,
      long requests,
      long promptTokens,
      long completionTokens,
      long costMicros) {

    /** Rows from sums keyed by {@code day\nkeyId\nmodel} (requests, prompt, output, cost). */
    private static List<DailySpend> of(Map<String, long[]> sums) {
      List<DailySpend> rows = new ArrayList<>();
      sums.forEach(
          (key, s) -> {
            String[] parts = key.split("\n", 3);
            rows.add(
                new DailySpend(
                    LocalDate.parse(parts[0]), parts[1], parts[2], s[0], s[1], s[2], s[3]));
          });
      return rows;
    }
  }
}
