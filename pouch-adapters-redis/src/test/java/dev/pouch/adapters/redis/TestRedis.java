package dev.pouch.adapters.redis;

import java.time.Duration;
import java.util.UUID;

/**
 * The Redis the tests use: {@code POUCH_TEST_REDIS_URL} ({@code bin/test} starts a private one).
 * Unset, the tests fail: they are never skipped silently.
 */
final class TestRedis {
  private TestRedis() {}

  static String url() {
    String url = System.getenv("POUCH_TEST_REDIS_URL");
    if (url == null || url.isBlank()) {
      throw new IllegalStateException(
          "POUCH_TEST_REDIS_URL is not set: run bin/test, or start redis-server and set it"
              + " (redis://127.0.0.1:PORT)");
    }
    return url;
  }

  /**
   * A command timeout for tests that do not test it: the 200 ms default is short for a busy test
   * machine, where a timeout would count locally and blur what the test shows.
   */
  static final Duration PATIENT = Duration.ofSeconds(2);

  /** Settings of one test: its own key prefix, so tests never share counters. */
  static RedisLimitsSettings settings() {
    return RedisLimitsSettings.of(url())
        .withKeyPrefix("test:" + UUID.randomUUID() + ":")
        .withCommandTimeout(PATIENT);
  }

  /** As {@link #settings()}, for {@code url} (a proxy in front of the test Redis). */
  static RedisLimitsSettings settings(String url, Duration slotTtl) {
    return settings(url, slotTtl, settings().keyPrefix());
  }

  /** As {@link #settings(String, Duration)}, sharing the counters under {@code keyPrefix}. */
  static RedisLimitsSettings settings(String url, Duration slotTtl, String keyPrefix) {
    return new RedisLimitsSettings(url, null, PATIENT, slotTtl, Duration.ofMillis(300), keyPrefix);
  }
}
