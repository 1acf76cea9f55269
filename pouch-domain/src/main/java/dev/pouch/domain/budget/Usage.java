package dev.pouch.domain.budget;

import java.util.Objects;

/**
 * Tokens a request consumed.
 *
 * @param promptTokens input tokens, cached ones included
 * @param cachedPromptTokens the part of {@code promptTokens} served from the prompt cache
 * @param completionTokens output tokens, reasoning included
 * @param source how the counts were obtained
 * @param cacheWrite5mTokens the part of {@code promptTokens} written to a 5-minute prompt cache
 *     (Anthropic bills it above the input price); 0 for upstreams without a write price
 * @param cacheWrite1hTokens the part of {@code promptTokens} written to a 1-hour prompt cache
 */
public record Usage(
    long promptTokens,
    long cachedPromptTokens,
    long completionTokens,
    UsageSource source,
    long cacheWrite5mTokens,
    long cacheWrite1hTokens) {
  /** No usage known. */
  public static final Usage UNKNOWN = new Usage(0, 0, 0, UsageSource.UNKNOWN);

  public Usage {
    if (promptTokens < 0
        || cachedPromptTokens < 0
        || completionTokens < 0
        || cacheWrite5mTokens < 0
        || cacheWrite1hTokens < 0) {
      throw new IllegalArgumentException("token counts cannot be negative");
    }
    Objects.requireNonNull(source, "source");
  }

  /** Usage without cache writes (OpenAI's shape: caching only ever discounts). */
  public Usage(
      long promptTokens, long cachedPromptTokens, long completionTokens, UsageSource source) {
    this(promptTokens, cachedPromptTokens, completionTokens, source, 0, 0);
  }

  /** The prompt tokens written to a cache, both lifetimes together (saturating). */
  public long cacheWriteTokens() {
    long sum = cacheWrite5mTokens + cacheWrite1hTokens;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  public static Usage reported(long prompt, long completion) {
    return new Usage(prompt, 0, completion, UsageSource.REPORTED);
  }

  public static Usage counted(long prompt, long completion) {
    return new Usage(prompt, 0, completion, UsageSource.COUNTED);
  }

  public boolean isKnown() {
    return source != UsageSource.UNKNOWN;
  }
}
