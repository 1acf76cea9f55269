package dev.pouch.application.limits;

import dev.pouch.domain.limit.BucketTake;
import dev.pouch.domain.limit.RateBucket;
import java.time.Instant;

/**
 * A token bucket in this process, on the requests' clock ({@code now}), so tests move it with the
 * clock. Thread-safe.
 */
final class LocalBucket implements RateBucket {
  private final long capacity;
  private final long periodMillis;
  private double available;
  private long updatedAtMillis = Long.MIN_VALUE;

  LocalBucket(long capacity, long periodMillis) {
    if (capacity < 1 || periodMillis < 1) {
      throw new IllegalArgumentException("capacity and period must be positive");
    }
    this.capacity = capacity;
    this.periodMillis = periodMillis;
    this.available = capacity;
  }

  @Override
  public long capacity() {
    return capacity;
  }

  @Override
  public long periodMillis() {
    return periodMillis;
  }

  @Override
  public synchronized BucketTake take(long units, Instant now) {
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
    long remaining = (long) Math.floor(available);
    if (allowed) {
      return new BucketTake.Taken(remaining, resetMillis, this::giveBack);
    }
    long retryAfter = (long) Math.ceil((units - available) * millisPerUnit / 1000.0);
    return new BucketTake.Refused(remaining, resetMillis, retryAfter);
  }

  private synchronized void giveBack(long units) {
    available = Math.min(capacity, available + units);
  }
}
