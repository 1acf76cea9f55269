package dev.pouch.application.middlewares;

import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;

/**
 * {@code rate_limit}: at most {@code limit} requests per {@code period} seconds per key, as a token
 * bucket (bursts up to {@code limit}, refilled evenly over the period). Refusals are 429 {@code
 * rate_limit_exceeded} with {@code Retry-After}; every answer carries OpenAI's {@code
 * x-ratelimit-*-requests} headers. The bucket lives as long as the key's configuration.
 */
final class RateLimitMiddleware implements Middleware {
  static final String ID = "rate_limit";

  private final TokenBucket bucket;

  RateLimitMiddleware(long limit, long periodSeconds) {
    this.bucket = new TokenBucket(limit, periodSeconds * 1000);
  }

  @Override
  public ProxyResponse intercept(Chain chain) {
    TokenBucket.Take decision = bucket.take(1, chain.context().receivedAt());
    if (!decision.allowed()) {
      Refusal refusal =
          Refusal.rateLimited(
              "Rate limit reached for this key: "
                  + bucket.capacity()
                  + " requests per "
                  + bucket.periodSeconds()
                  + " s. Retry after "
                  + decision.retryAfterSeconds()
                  + " s.",
              decision.retryAfterSeconds());
      return withHeaders(ProxyResponse.refused(refusal), decision);
    }
    return withHeaders(chain.proceed(chain.request()), decision);
  }

  private ProxyResponse withHeaders(ProxyResponse response, TokenBucket.Take decision) {
    return response
        .withHeader("x-ratelimit-limit-requests", Long.toString(bucket.capacity()))
        .withHeader("x-ratelimit-remaining-requests", Long.toString(decision.remaining()))
        .withHeader("x-ratelimit-reset-requests", duration(decision.resetMillis()));
  }

  /**
   * A duration as OpenAI writes it in rate-limit headers: {@code 20ms}, {@code 1.5s}, {@code 6m0s}.
   */
  static String duration(long millis) {
    if (millis < 1000) {
      return millis + "ms";
    }
    if (millis < 60_000) {
      String seconds = java.math.BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
      return seconds + "s";
    }
    long totalSeconds = (millis + 999) / 1000;
    long hours = totalSeconds / 3600;
    long minutes = totalSeconds % 3600 / 60;
    long seconds = totalSeconds % 60;
    return (hours > 0 ? hours + "h" : "") + minutes + "m" + seconds + "s";
  }

  static final PluginInfo INFO =
      new PluginInfo(
          ID,
          "Rate limit",
          "At most `limit` requests per `period` seconds for this key (a token bucket).",
          PluginSchema.of(
              SchemaField.builder("limit", FieldType.INTEGER)
                  .displayName("Requests")
                  .description("How many requests the key may make per period.")
                  .required()
                  .min(1)
                  .max(1_000_000_000)
                  .build(),
              CommonFields.period()),
          false);

  /** The factory the catalog registers. */
  static MiddlewareFactory factory() {
    return MiddlewareFactory.of(
        INFO,
        config ->
            new RateLimitMiddleware(config.integer("limit", 1), config.integer("period", 60)));
  }
}
