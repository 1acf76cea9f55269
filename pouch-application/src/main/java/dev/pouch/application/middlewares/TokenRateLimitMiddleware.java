package dev.pouch.application.middlewares;

import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.RequestObserver;
import dev.pouch.domain.chain.ReservationQuote;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.limit.BucketTake;
import dev.pouch.domain.limit.RateBucket;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code token_rate_limit}: at most {@code tokens} tokens (prompt + output) per {@code period}
 * seconds per key, as a token bucket. Like OpenAI's TPM limit, a request is counted at its worst
 * case when it is reserved (prompt estimate + output cap) and refused with 429 when that does not
 * fit; at settlement the bucket gets back what the answer did not use. Answers carry OpenAI's
 * {@code x-ratelimit-*-tokens} headers.
 */
final class TokenRateLimitMiddleware implements Middleware {
  static final String ID = "token_rate_limit";

  private final RateBucket bucket;

  TokenRateLimitMiddleware(RateBucket bucket) {
    this.bucket = bucket;
  }

  @Override
  public ProxyResponse intercept(Chain chain) {
    Charge charge = new Charge(chain.context().receivedAt());
    chain.context().observe(charge);
    ProxyResponse response = chain.proceed(chain.request());
    BucketTake.Taken taken = charge.taken;
    ProxyResponse limited =
        response.withHeader("x-ratelimit-limit-tokens", Long.toString(bucket.capacity()));
    if (taken == null) {
      return limited; // answered before the reservation (a later middleware short-circuited)
    }
    return limited
        .withHeader("x-ratelimit-remaining-tokens", Long.toString(taken.remaining()))
        .withHeader("x-ratelimit-reset-tokens", RateLimitMiddleware.duration(taken.resetMillis()));
  }

  /** One request's tokens: taken at the reservation, partly given back at settlement. */
  private final class Charge implements RequestObserver {
    private final Instant at;
    private volatile long worstCase;
    private volatile BucketTake.Taken taken;

    Charge(Instant at) {
      this.at = at;
    }

    @Override
    public Optional<Refusal> reserving(ReservationQuote quote) {
      long tokens = quote.worstCaseTokens();
      BucketTake take = bucket.take(tokens, at);
      if (take instanceof BucketTake.Refused refused) {
        return Optional.of(
            Refusal.rateLimited(refusal(tokens, refused), refused.retryAfterSeconds()));
      }
      worstCase = tokens;
      taken = (BucketTake.Taken) take;
      return Optional.empty();
    }

    @Override
    public void notReserved() {
      giveBack(worstCase);
    }

    @Override
    public void settled(RequestRecord record) {
      long used = record.promptTokens() + record.completionTokens();
      giveBack(Math.max(0, worstCase - used));
    }

    /** To the bucket the tokens came from (this process's while a shared store was down). */
    private void giveBack(long units) {
      BucketTake.Taken from = taken;
      if (from != null) {
        from.giveBack(units);
      }
    }
  }

  private String refusal(long tokens, BucketTake.Refused take) {
    String limit = bucket.capacity() + " per " + bucket.periodMillis() / 1000 + " s";
    return tokens > bucket.capacity()
        ? "Request too large for this key's token rate limit: "
            + tokens
            + " tokens at most (prompt + max_tokens), limit "
            + limit
            + ". Lower max_tokens or the prompt."
        : "Token rate limit reached for this key ("
            + limit
            + "): this request needs up to "
            + tokens
            + " tokens. Retry after "
            + take.retryAfterSeconds()
            + " s.";
  }

  static final PluginInfo INFO =
      new PluginInfo(
          ID,
          "Token rate limit",
          "At most `tokens` tokens (prompt + output) per `period` seconds for this key, counted"
              + " at the worst case when reserved and corrected when the answer is settled.",
          PluginSchema.of(
              SchemaField.builder("tokens", FieldType.INTEGER)
                  .displayName("Tokens")
                  .description("How many tokens the key may use per period.")
                  .required()
                  .min(1)
                  .max(1_000_000_000_000L)
                  .build(),
              CommonFields.period()),
          false);

  /** The factory the catalog registers. */
  static MiddlewareFactory factory() {
    return new SitedFactory(
        INFO,
        (config, site) ->
            new TokenRateLimitMiddleware(
                SitedFactory.bucket(
                    site, ID, config.integer("tokens", 1), config.integer("period", 60))));
  }
}
