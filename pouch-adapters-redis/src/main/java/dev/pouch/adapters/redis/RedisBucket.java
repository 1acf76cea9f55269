package dev.pouch.adapters.redis;

import dev.pouch.domain.limit.BucketTake;
import dev.pouch.domain.limit.RateBucket;
import java.time.Instant;
import java.util.List;

/**
 * A token bucket in Redis, shared by every handle of its name. While Redis does not answer, it
 * takes from this instance's own bucket of the same size (fail open to the local limit): the
 * budget, in the database, is what guards the money, and it still holds.
 */
final class RedisBucket implements RateBucket {
  private final String key;
  private final long capacity;
  private final long periodMillis;
  private final LimitScripts scripts;
  private final RedisHealth health;
  private final RateBucket local;

  RedisBucket(
      String key,
      long capacity,
      long periodMillis,
      LimitScripts scripts,
      RedisHealth health,
      RateBucket local) {
    if (capacity < 1 || periodMillis < 1) {
      throw new IllegalArgumentException("capacity and period must be positive");
    }
    this.key = key;
    this.capacity = capacity;
    this.periodMillis = periodMillis;
    this.scripts = scripts;
    this.health = health;
    this.local = local;
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
  public BucketTake take(long units, Instant now) {
    if (health.tryRedis()) {
      try {
        List<Long> outcome = scripts.take(key, capacity, periodMillis, units);
        health.answered();
        long remaining = outcome.get(1);
        long resetMillis = outcome.get(2);
        return outcome.get(0) == 1
            ? new BucketTake.Taken(remaining, resetMillis, this::giveBack)
            : new BucketTake.Refused(remaining, resetMillis, outcome.get(3));
      } catch (RuntimeException unreachable) {
        health.failed(unreachable);
      }
    }
    return local.take(units, now);
  }

  /** Units not given back while Redis is down come back by themselves as the bucket refills. */
  private void giveBack(long units) {
    if (health.tryRedis()) {
      try {
        scripts.giveBack(key, capacity, periodMillis, units);
        health.answered();
      } catch (RuntimeException unreachable) {
        health.failed(unreachable);
      }
    }
  }
}
