package dev.pouch.application.middlewares;

import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.limit.BucketTake;
import dev.pouch.domain.limit.RateBucket;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;

/**
 * {@code rate_limit}: at most {@code limit} requests per {@code period} seconds per key, as a token
 * bucket (bursts up to {@code limit}, refilled evenly over the period). Refusals are 429 {@code
 * rate_limit_exceeded} with {@code Retry-After}; every answer carries OpenAI's {@code
 * x-ratelimit-*-requests} headers. The bucket comes from the host's limit counters: in this process
 * (it lives as long as the key's configuration) or shared by every instance.
 */
final class RateLimitMiddleware implements Middleware {
  static final String ID = "rate_limit";

  private final RateBucket bucket;

  RateLimitMiddleware(RateBucket bucket) {
    this.bucket = bucket;
  }

  @Override
  public ProxyResponse intercept(Chain chain) {
    BucketTake decision = bucket.take(1, chain.context().receivedAt());
    if (decision instanceof BucketTake.Refused refused) {
      Refusal refusal =
          Refusal.rateLimited(
              "Rate limit reached for this key: "
                  + bucket.capacity()
                  + " requests per "
                  + bucket.periodMillis() / 1000
                  + " s. Retry after "
                  + refused.retryAfterSeconds()
                  + " s.",
              refused.retryAfterSeconds());
      return withHeaders(ProxyResponse.refused(refusal), decision);
    }
    return withHeaders(chain.proceed(chain.request()), decision);
  }

  private ProxyResponse withHeaders(ProxyResponse response, BucketTake decision) {
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
    return new SitedFactory(
        INFO,
        (config, site) ->
            new RateLimitMiddleware(
                SitedFactory.bucket(
                    site, ID, config.integer("limit", 1), config.integer("period", 60))));
  }
}
