package dev.pouch.domain.limit;

import java.time.Instant;

/** A token bucket (units are requests or model tokens); thread-safe. */
public interface RateBucket {

  /** Units when full. */
  long capacity();

  /** Milliseconds to refill from empty to full. */
  long periodMillis();

  /**
   * Takes {@code units} if they are there; otherwise takes nothing.
   *
   * @param now the request's time: an in-process bucket runs on it (tests move it); a shared one
   *     runs on its store's clock, the one clock every instance agrees on
   */
  BucketTake take(long units, Instant now);
}
