package dev.pouch.application.middlewares;

import java.time.Instant;

/**
 * A token bucket of {@code capacity} units refilled evenly over {@code periodMillis}: the state of
 * {@code rate_limit} (units = requests) and {@code token_rate_limit} (units = model tokens).
 * Thread-safe. Time comes from the requests ({@code receivedAt}), so tests move it with the clock.
 */
final class TokenBucket {
  private final long capacity;
  private final long periodMillis;
  private double available;
  private long updatedAtMillis = Long.MIN_VALUE;

  /**
   * The outcome of one take.
   *
   * @param allowed whether the units were taken
   * @param remaining whole units left afterwards
   * @param resetMillis until the bucket is full again
   * @param retryAfterSeconds when refused: until the units would be there (at least 1)
   */
  record Take(boolean allowed, long remaining, long resetMillis, long retryAfterSeconds) {}

  TokenBucket(long capacity, long periodMillis) {
    this.capacity = capacity;
    this.periodMillis = periodMillis;
    this.available = capacity;
  }

  long capacity() {
    return capacity;
  }

  long periodSeconds() {
    return periodMillis / 1000;
  }

  /** Takes {@code units} if they are there at {@code now}; otherwise takes nothing. */
  synchronized Take take(long units, Instant now) {
    long nowMillis = now.toEpochMilli();
    if (updatedAtMillis != Long.MIN_VALUE && nowMillis > updatedAtMillis) {
      available =
          Math.min(
              capacity,
              available + (nowMillis - updatedAtMillis) * (double) capacity / periodMillis);
    }
    updatedAtMillis = Math.max(updatedAtMillis, nowMillis);
    boolean allowed = units <= available;
    if (allowed) {
      available -= units;
    }
    double millisPerUnit = (double) periodMillis / capacity;
    long resetMillis = (long) Math.ceil((capacity - available) * millisPerUnit);
    long retryAfter = allowed ? 0 : (long) Math.ceil((units - available) * millisPerUnit / 1000.0);
    return new Take(allowed, (long) Math.floor(available), resetMillis, Math.max(1, retryAfter));
  }

  /** Returns units taken earlier (never above capacity). */
  synchronized void giveBack(long units) {
    available = Math.min(capacity, available + units);
  }
}
