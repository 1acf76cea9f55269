package dev.pouch.adapters.webhook;

import java.time.Duration;
import java.util.Objects;

/**
 * How a webhook notice is retried: at most {@code maxAttempts} sends, waiting {@code firstBackoff}
 * before the second and twice as long before each next one, each wait shifted by up to a quarter
 * either way (jitter, so that notices failing together do not retry together).
 *
 * @param maxAttempts sends in all, the first included (1 = no retry)
 * @param firstBackoff the wait before the second attempt
 * @param timeout how long one attempt may take, connection included
 */
public record WebhookRetry(int maxAttempts, Duration firstBackoff, Duration timeout) {

  /** 5 attempts over about a minute (waits of about 4, 8, 16 and 32 s), 5 s per attempt. */
  public static final WebhookRetry DEFAULT =
      new WebhookRetry(5, Duration.ofSeconds(4), Duration.ofSeconds(5));

  public WebhookRetry {
    Objects.requireNonNull(firstBackoff, "firstBackoff");
    Objects.requireNonNull(timeout, "timeout");
    if (maxAttempts < 1 || maxAttempts > 20) {
      throw new IllegalArgumentException("maxAttempts must be 1 to 20");
    }
    if (firstBackoff.isNegative() || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("backoff cannot be negative, timeout must be positive");
    }
  }

  /**
   * The wait before attempt {@code attempt} (2 or more).
   *
   * @param random a number from 0 (inclusive) to 1 (exclusive) that picks the jitter
   */
  public Duration backoffBefore(int attempt, double random) {
    if (attempt < 2) {
      throw new IllegalArgumentException("only attempts after the first wait");
    }
    double factor = (1L << Math.min(attempt - 2, 30)) * (0.75 + random / 2);
    return Duration.ofNanos((long) Math.min(firstBackoff.toNanos() * factor, Long.MAX_VALUE));
  }
}
