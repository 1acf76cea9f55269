package dev.pouch.application.retention;

import dev.pouch.application.port.out.RequestLog;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes request-log rows older than the policy keeps, in batches with a pause between them, so
 * that requests settling meanwhile wait at most one batch. Usage and spend totals do not change:
 * the store keeps hourly totals of every row. Safe to run from several instances at once.
 */
public final class RequestLogPruner {
  private static final Logger log = LoggerFactory.getLogger(RequestLogPruner.class);

  private final RequestLog requestLog;
  private final Clock clock;
  private final RetentionPolicy policy;

  /**
   * @param requestLog the log to prune
   * @param clock what "now" is when a run starts
   * @param policy how long rows are kept and the batches
   */
  public RequestLogPruner(RequestLog requestLog, Clock clock, RetentionPolicy policy) {
    this.requestLog = Objects.requireNonNull(requestLog, "requestLog");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  /** The policy this pruner applies. */
  public RetentionPolicy policy() {
    return policy;
  }

  /**
   * Deletes every row due now, batch by batch, and returns how many. An interrupt ends the run
   * between batches (the rest is due at the next run).
   */
  public long pruneOnce() {
    Instant before = clock.instant().minus(policy.keep());
    long started = System.nanoTime();
    long deleted = 0;
    int batches = 0;
    while (!Thread.currentThread().isInterrupted()) {
      int pruned = requestLog.prune(before, policy.batchSize());
      deleted += pruned;
      batches++;
      if (pruned < policy.batchSize() || !pause()) {
        break;
      }
    }
    if (deleted > 0) {
      log.atInfo()
          .addKeyValue("rows", deleted)
          .addKeyValue("batches", batches)
          .addKeyValue("before", before)
          .addKeyValue("millis", (System.nanoTime() - started) / 1_000_000)
          .log("request log pruned");
    }
    return deleted;
  }

  /** Waits between two batches; false when interrupted. */
  private boolean pause() {
    if (policy.pause().isZero()) {
      return true;
    }
    try {
      Thread.sleep(policy.pause().toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
