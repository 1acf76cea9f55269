package dev.pouch.adapters.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * How to reach Redis and how long to wait for it.
 *
 * @param url {@code redis://[user:password@]host:port[/database]} ({@code rediss://} for TLS)
 * @param password overrides the URL's password when not {@code null} (kept out of the URL, so out
 *     of process listings and logs)
 * @param commandTimeout the longest a request waits for Redis before it counts in this process
 * @param slotTtl how long a concurrency slot outlives its last renewal: the time a dead instance's
 *     slots stay held (renewed every third of it while the holder lives)
 * @param retryAfterOutage how long requests count in this process before Redis is tried again
 * @param keyPrefix prepended to every Redis key
 */
public record RedisLimitsSettings(
    String url,
    String password,
    Duration commandTimeout,
    Duration slotTtl,
    Duration retryAfterOutage,
    String keyPrefix) {

  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(200);
  public static final Duration DEFAULT_SLOT_TTL = Duration.ofSeconds(15);
  public static final Duration DEFAULT_RETRY_AFTER_OUTAGE = Duration.ofSeconds(1);
  public static final String DEFAULT_KEY_PREFIX = "pouch:limits:";

  public RedisLimitsSettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    Objects.requireNonNull(slotTtl, "slotTtl");
    Objects.requireNonNull(retryAfterOutage, "retryAfterOutage");
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
      throw new IllegalArgumentException("a Redis URL starts with redis:// or rediss://");
    }
    if (commandTimeout.isNegative()
        || commandTimeout.isZero()
        || slotTtl.toMillis() < 30
        || retryAfterOutage.isNegative()) {
      throw new IllegalArgumentException("timeouts must be positive (slot TTL at least 30 ms)");
    }
  }

  /** The defaults for {@code url}, with the URL's own password (if any). */
  public static RedisLimitsSettings of(String url) {
    return new RedisLimitsSettings(
        url,
        null,
        DEFAULT_COMMAND_TIMEOUT,
        DEFAULT_SLOT_TTL,
        DEFAULT_RETRY_AFTER_OUTAGE,
        DEFAULT_KEY_PREFIX);
  }

  /** These settings with {@code value} as the password ({@code null}: the URL's). */
  public RedisLimitsSettings withPassword(String value) {
    return new RedisLimitsSettings(
        url, value, commandTimeout, slotTtl, retryAfterOutage, keyPrefix);
  }

  /** These settings with another command timeout. */
  public RedisLimitsSettings withCommandTimeout(Duration value) {
    return new RedisLimitsSettings(url, password, value, slotTtl, retryAfterOutage, keyPrefix);
  }

  /** These settings with another slot TTL (tests let dead holders' slots expire sooner). */
  public RedisLimitsSettings withSlotTtl(Duration value) {
    return new RedisLimitsSettings(
        url, password, commandTimeout, value, retryAfterOutage, keyPrefix);
  }

  /** These settings with another key prefix (tests keep apart). */
  public RedisLimitsSettings withKeyPrefix(String value) {
    return new RedisLimitsSettings(url, password, commandTimeout, slotTtl, retryAfterOutage, value);
  }

  /** Whether the URL itself carries a password ({@code redis://user:password@…}). */
  public boolean hasPasswordInUrl() {
    String address = url.substring(url.indexOf("://") + 3);
    int at = address.lastIndexOf('@');
    return at > 0 && !address.substring(0, at).isEmpty();
  }

  /** Never prints the URL's user information or the password. */
  @Override
  public String toString() {
    return "RedisLimitsSettings[" + RedisAddress.withoutSecrets(url) + "]";
  }
}
