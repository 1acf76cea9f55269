package dev.pouch.domain.budget;

import java.util.Objects;

/**
 * Tokens a request consumed.
 *
 * @param promptTokens input tokens, cached ones included
 * @param cachedPromptTokens the part of {@code promptTokens} served from the prompt cache
 * @param completionTokens output tokens, reasoning included
 * @param source how the counts were obtained
 */
public record Usage(
    long promptTokens, long cachedPromptTokens, long completionTokens, UsageSource source) {
  /** No usage known. */
  public static final Usage UNKNOWN = new Usage(0, 0, 0, UsageSource.UNKNOWN);

  public Usage {
    if (promptTokens < 0 || cachedPromptTokens < 0 || completionTokens < 0) {
      throw new IllegalArgumentException("token counts cannot be negative");
    }
    Objects.requireNonNull(source, "source");
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
