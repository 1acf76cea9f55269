package dev.pouch.adapters.webhook;

import dev.pouch.application.port.out.UndeliveredNotices.UndeliveredNotice;
import dev.pouch.application.port.out.WebhookSender.Notice;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One notice on its way: its attempts so far and how the last one failed. Finished exactly once
 * (delivered, kept or lost), whichever of the answer and a shutdown comes first.
 */
final class Delivery {
  private final Notice notice;
  private final Instant queuedAt;
  private final AtomicBoolean finished = new AtomicBoolean();
  private int attempts;
  private Integer lastStatus;
  private String lastError = "not attempted";

  Delivery(Notice notice, Instant queuedAt) {
    this.notice = notice;
    this.queuedAt = queuedAt;
  }

  Notice notice() {
    return notice;
  }

  /** Counts a new attempt; returns its number (1 for the first). */
  synchronized int attempt() {
    return ++attempts;
  }

  synchronized int attempts() {
    return attempts;
  }

  /** Notes how the last attempt failed: an HTTP status, or {@code null} when none came back. */
  synchronized void failed(Integer status, String error) {
    lastStatus = status;
    lastError = error;
  }

  /** True for the one caller that finishes this delivery. */
  boolean finish() {
    return finished.compareAndSet(false, true);
  }

  /** The row kept for this notice, given up at {@code now}. */
  synchronized UndeliveredNotice undelivered(Instant now) {
    return new UndeliveredNotice(
        Hosts.of(notice.url()),
        notice.type(),
        notice.keyId(),
        notice.json(),
        lastStatus,
        lastError,
        attempts,
        queuedAt,
        now);
  }

  /** The last failure, for logs. */
  synchronized String lastError() {
    return lastError;
  }
}
