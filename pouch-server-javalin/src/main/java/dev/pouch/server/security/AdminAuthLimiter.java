package dev.pouch.server.security;

import dev.pouch.domain.error.RequestRejectedException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Limits failed admin authentications per client address with a token bucket: {@code perMinute}
 * failures, refilled continuously. A client out of tokens gets 429 with {@code Retry-After} for
 * every admin request, right token included (otherwise the limit would still leak which guess was
 * right), until a token has refilled — at most a minute, never a permanent lock-out. Thread-safe;
 * the address table is bounded.
 */
public final class AdminAuthLimiter {
  private static final int MAX_ADDRESSES = 10_000;

  private final double capacity;
  private final double perMilli;
  private final Clock clock;
  private final Map<String, Bucket> buckets = new HashMap<>();

  private static final class Bucket {
    double tokens;
    long atMillis;

    Bucket(double tokens, long atMillis) {
      this.tokens = tokens;
      this.atMillis = atMillis;
    }
  }

  public AdminAuthLimiter(int perMinute, Clock clock) {
    this.capacity = perMinute;
    this.perMilli = perMinute / 60_000.0;
    this.clock = clock;
  }

  /**
   * Refuses a client that used up its failures.
   *
   * @throws RequestRejectedException 429 {@code rate_limit_exceeded} with a retry delay
   */
  public synchronized void check(String address) {
    Bucket bucket = refilled(address);
    if (bucket != null && bucket.tokens < 1) {
      long waitMillis = (long) Math.ceil((1 - bucket.tokens) / perMilli);
      throw RequestRejectedException.rateLimited(
          "Too many failed admin authentications from this address; retry later.",
          (waitMillis + 999) / 1000);
    }
  }

  /** Counts one failed authentication of {@code address}. */
  public synchronized void failed(String address) {
    Bucket bucket = refilled(address);
    if (bucket == null) {
      if (buckets.size() >= MAX_ADDRESSES) {
        evictFull();
      }
      bucket = new Bucket(capacity, clock.millis());
      buckets.put(address, bucket);
    }
    bucket.tokens = Math.max(0, bucket.tokens - 1);
  }

  private Bucket refilled(String address) {
    Bucket bucket = buckets.get(address);
    if (bucket != null) {
      long now = clock.millis();
      long elapsed = Math.max(0, now - bucket.atMillis);
      bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * perMilli);
      bucket.atMillis = now;
    }
    return bucket;
  }

  /** Drops addresses that have refilled (they hold no state worth keeping), or all if none did. */
  private void evictFull() {
    long now = clock.millis();
    buckets.values().removeIf(b -> b.tokens + Math.max(0, now - b.atMillis) * perMilli >= capacity);
    if (buckets.size() >= MAX_ADDRESSES) {
      buckets.clear();
    }
  }
}
