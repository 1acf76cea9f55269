package dev.pouch.application.port.out;

import dev.pouch.domain.log.RequestRecord;
import java.time.Instant;
import java.util.List;

/**
 * The request log. Rows of requests that reserved budget are written by {@link
 * BudgetLedger#settle}; {@link #append} takes the others (refused before any reservation).
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
   * Spend and tokens per time bucket, oldest first; buckets with no request are left out.
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
}
