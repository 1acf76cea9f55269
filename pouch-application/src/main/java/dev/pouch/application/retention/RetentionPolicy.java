package dev.pouch.application.retention;

import java.time.Duration;
import java.util.Objects;

/**
 * How long request-log rows are kept and how they are pruned.
 *
 * @param keep rows older than this are deleted; at least {@link #MIN_KEEP}: a settled request's row
 *     is what keeps its reservation id from being reserved again (ARCHITECTURE D22), and a day is
 *     far longer than any retry of a reservation
 * @param batchSize rows deleted per transaction, so that a prune holds the store's write lock
 *     briefly (SQLite has one writer)
 * @param pause the wait between two batches, in which the requests queued behind one are served
 */
public record RetentionPolicy(Duration keep, int batchSize, Duration pause) {
  /** The shortest retention. */
  public static final Duration MIN_KEEP = Duration.ofDays(1);

  /** Rows per batch by default: a few milliseconds of the writer's time (docs/BENCHMARKS.md). */
  public static final int DEFAULT_BATCH = 2_000;

  /** The pause between batches by default. */
  public static final Duration DEFAULT_PAUSE = Duration.ofMillis(20);

  public RetentionPolicy {
    Objects.requireNonNull(keep, "keep");
    Objects.requireNonNull(pause, "pause");
    if (keep.compareTo(MIN_KEEP) < 0) {
      throw new IllegalArgumentException("request-log rows are kept at least a day");
    }
    if (batchSize < 1 || batchSize > 100_000) {
      throw new IllegalArgumentException("batchSize must be 1 to 100000");
    }
    if (pause.isNegative()) {
      throw new IllegalArgumentException("pause must not be negative");
    }
  }

  /** Keeps rows for {@code keep}, pruned in the default batches and pauses. */
  public static RetentionPolicy keeping(Duration keep) {
    return new RetentionPolicy(keep, DEFAULT_BATCH, DEFAULT_PAUSE);
  }
}
