package dev.pouch.application.middlewares;

import dev.pouch.application.proxy.ErrorResponses;
import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import java.time.Instant;

/**
 * {@code rate_limit}: at most {@code limit} requests per {@code period} seconds per key, as a token
 * bucket (bursts up to {@code limit}, refilled evenly over the period). Refusals are 429 {@code
 * rate_limit_exceeded} with {@code Retry-After}; every answer carries OpenAI's {@code
 * x-ratelimit-*-requests} headers. The bucket lives as long as the key's configuration.
 */
final class RateLimitMiddleware implements Middleware {
  static final String ID = "rate_limit";

  private final long limit;
  private final long periodMillis;
  private double tokens;
  private long updatedAtMillis = Long.MIN_VALUE;

  RateLimitMiddleware(long limit, long periodSeconds) {
    this.limit = limit;
    this.periodMillis = periodSeconds * 1000;
    this.tokens = limit;
  }

  @Override
  public ProxyResponse intercept(Chain chain) {
    Decision decision = take(chain.context().receivedAt());
    if (!decision.allowed()) {
      RequestRejectedException refusal =
          RequestRejectedException.rateLimited(
              "Rate limit reached for this key: "
                  + limit
                  + " requests per "
                  + periodMillis / 1000
                  + " s. Retry after "
                  + decision.retryAfterSeconds()
                  + " s.",
              decision.retryAfterSeconds());
      return withHeaders(ErrorResponses.response(refusal), decision);
    }
    return withHeaders(chain.proceed(chain.request()), decision);
  }

  /** The outcome of one request against the bucket. */
  private record Decision(
      boolean allowed, long remaining, long resetMillis, long retryAfterSeconds) {}

  private synchronized Decision take(Instant now) {
    long nowMillis = now.toEpochMilli();
    if (updatedAtMillis != Long.MIN_VALUE && nowMillis > updatedAtMillis) {
      tokens =
          Math.min(limit, tokens + (nowMillis - updatedAtMillis) * (double) limit / periodMillis);
    }
    updatedAtMillis = Math.max(updatedAtMillis, nowMillis);
    boolean allowed = tokens >= 1;
    if (allowed) {
      tokens -= 1;
    }
    double perTokenMillis = (double) periodMillis / limit;
    long resetMillis = (long) Math.ceil((limit - tokens) * perTokenMillis);
    long retryAfter = allowed ? 0 : (long) Math.ceil((1 - tokens) * perTokenMillis / 1000.0);
    return new Decision(allowed, (long) Math.floor(tokens), resetMillis, Math.max(1, retryAfter));
  }

  private ProxyResponse withHeaders(ProxyResponse response, Decision decision) {
    return response
        .withHeader("x-ratelimit-limit-requests", Long.toString(limit))
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
              SchemaField.builder("period", FieldType.INTEGER)
                  .displayName("Period (seconds)")
                  .description("The length of the period.")
                  .defaultValue(60L)
                  .min(1)
                  .max(31_536_000)
                  .build()),
          false);

  /** The factory the catalog registers. */
  static MiddlewareFactory factory() {
    return MiddlewareFactory.of(
        INFO,
        config ->
            new RateLimitMiddleware(config.integer("limit", 1), config.integer("period", 60)));
  }
}
