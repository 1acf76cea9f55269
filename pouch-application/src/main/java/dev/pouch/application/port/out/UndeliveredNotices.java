package dev.pouch.application.port.out;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Webhook notices that could not be delivered (attempts exhausted, an answer not worth retrying, a
 * full queue), kept for an operator to read and clear. Rows carry the webhook's host, never its
 * full URL: a query string may hold a token.
 */
public interface UndeliveredNotices {

  /** Keeps a notice; returns its id, greater than every id given before. */
  long record(UndeliveredNotice notice);

  /**
   * Kept notices, newest first.
   *
   * @param beforeId only those with a smaller id (the last id of the previous page), or {@code
   *     null} for the newest
   * @param limit at most this many
   */
  List<Kept> list(Long beforeId, int limit);

  /** Deletes one notice; false when there was none. */
  boolean delete(long id);

  /** Deletes every notice; returns how many there were. */
  int deleteAll();

  /**
   * A notice that was not delivered.
   *
   * @param urlHost the webhook URL's host (no path, no query)
   * @param type the notice's type, or {@code null} when unknown
   * @param keyId the app key it is about, or {@code null}
   * @param payload the notice's JSON as it would have been sent
   * @param lastStatus the last HTTP status the webhook answered, or {@code null} when none
   * @param lastError why the last attempt failed, without the URL
   * @param attempts how many times it was sent (0 when the queue was full)
   * @param firstAttemptAt when it was first queued
   * @param lastAttemptAt when it was last tried (or given up)
   */
  record UndeliveredNotice(
      String urlHost,
      String type,
      String keyId,
      String payload,
      Integer lastStatus,
      String lastError,
      int attempts,
      Instant firstAttemptAt,
      Instant lastAttemptAt) {
    public UndeliveredNotice {
      Objects.requireNonNull(urlHost, "urlHost");
      Objects.requireNonNull(payload, "payload");
      Objects.requireNonNull(lastError, "lastError");
      Objects.requireNonNull(firstAttemptAt, "firstAttemptAt");
      Objects.requireNonNull(lastAttemptAt, "lastAttemptAt");
      if (attempts < 0) {
        throw new IllegalArgumentException("attempts cannot be negative");
      }
    }
  }

  /** A kept notice and its id. */
  record Kept(long id, UndeliveredNotice notice) {
    public Kept {
      Objects.requireNonNull(notice, "notice");
    }
  }
}
