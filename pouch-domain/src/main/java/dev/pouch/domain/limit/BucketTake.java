package dev.pouch.domain.limit;

import java.util.Objects;
import java.util.function.LongConsumer;

/** The outcome of one take from a {@link RateBucket}. */
public sealed interface BucketTake {

  /** Whole units left afterwards. */
  long remaining();

  /** Milliseconds until the bucket is full again. */
  long resetMillis();

  /**
   * The units were taken.
   *
   * @param giveBack returns units to the bucket they were taken from (never above its capacity)
   */
  record Taken(long remaining, long resetMillis, LongConsumer giveBack) implements BucketTake {
    public Taken {
      Objects.requireNonNull(giveBack, "giveBack");
    }

    /** Returns {@code units} of those taken (an answer that used less than it was counted at). */
    public void giveBack(long units) {
      if (units > 0) {
        giveBack.accept(units);
      }
    }
  }

  /**
   * Nothing was taken.
   *
   * @param retryAfterSeconds until the units would be there (at least 1)
   */
  record Refused(long remaining, long resetMillis, long retryAfterSeconds) implements BucketTake {
    public Refused {
      retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }
  }
}
