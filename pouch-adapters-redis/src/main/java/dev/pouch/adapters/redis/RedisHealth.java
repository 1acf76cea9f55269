package dev.pouch.adapters.redis;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis answers. After a failure, requests count in this process and only one request per
 * retry interval tries Redis again, so an outage costs at most one command timeout per interval,
 * not one per request. An outage is logged once when it starts and once when it ends.
 */
final class RedisHealth {
  private static final Logger log = LoggerFactory.getLogger(RedisHealth.class);
  private static final long UP = Long.MIN_VALUE;

  private final long retryNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong downSince = new AtomicLong(UP);
  private final AtomicLong nextTry = new AtomicLong();

  RedisHealth(long retryNanos, LongSupplier nanoTime) {
    this.retryNanos = retryNanos;
    this.nanoTime = nanoTime;
  }

  /** Whether this call should go to Redis: always while it answers, else one probe per interval. */
  boolean tryRedis() {
    if (downSince.get() == UP) {
      return true;
    }
    long now = nanoTime.getAsLong();
    long next = nextTry.get();
    return now - next >= 0 && nextTry.compareAndSet(next, now + retryNanos);
  }

  boolean isUp() {
    return downSince.get() == UP;
  }

  void failed(RuntimeException failure) {
    long now = nanoTime.getAsLong();
    nextTry.set(now + retryNanos);
    if (downSince.compareAndSet(UP, now)) {
      log.atWarn()
          .addKeyValue("error", failure.getClass().getSimpleName())
          .addKeyValue("message", failure.getMessage())
          .log("Redis does not answer; limits count in this instance alone until it does");
    }
  }

  void answered() {
    long since = downSince.get();
    if (since != UP && downSince.compareAndSet(since, UP)) {
      log.atInfo()
          .addKeyValue("outage_ms", (nanoTime.getAsLong() - since) / 1_000_000)
          .log("Redis answers again; limits are shared across instances");
    }
  }
}
