package dev.pouch.domain.money;

/**
 * Price of a model in micro-dollars per one million tokens.
 *
 * @param inputPerMTok price of a prompt token
 * @param cachedInputPerMTok price of a prompt token served from the upstream's prompt cache
 * @param outputPerMTok price of a completion token (reasoning tokens included)
 */
public record ModelPrice(long inputPerMTok, long cachedInputPerMTok, long outputPerMTok) {
  /** A model that costs nothing, such as the mock with no prices configured. */
  public static final ModelPrice FREE = new ModelPrice(0, 0, 0);

  /**
   * What {@link #worstCase} and {@link #cost} answer when the cost does not fit their arithmetic:
   * tokens × micro-dollars per million tokens above a {@code long}, that is a cost above about $9.2
   * million for one request. More than any request can honestly cost; never a wrapped or truncated
   * amount.
   */
  public static final long BEYOND_ANY_BUDGET = Long.MAX_VALUE;

  public ModelPrice {
    Micros.requireNonNegative(inputPerMTok, "input price");
    Micros.requireNonNegative(cachedInputPerMTok, "cached input price");
    Micros.requireNonNegative(outputPerMTok, "output price");
  }

  /** A price with no separate cached-input rate (cached tokens cost as much as others). */
  public static ModelPrice of(long inputPerMTok, long outputPerMTok) {
    return new ModelPrice(inputPerMTok, inputPerMTok, outputPerMTok);
  }

  /**
   * Worst-case cost of a request: every prompt token at the full input price (caching is a discount
   * the upstream may or may not give) and every possible output token; {@link #BEYOND_ANY_BUDGET}
   * when that does not fit in a {@code long}.
   */
  public long worstCase(long promptTokens, long maxOutputTokens) {
    try {
      return Micros.roundUp(
          Math.addExact(
              Micros.scaledCost(promptTokens, inputPerMTok),
              Micros.scaledCost(maxOutputTokens, outputPerMTok)));
    } catch (ArithmeticException tooLarge) {
      return BEYOND_ANY_BUDGET;
    }
  }

  /**
   * Actual cost of metered usage, rounded up to whole micro-dollars once; {@link
   * #BEYOND_ANY_BUDGET} when that does not fit in a {@code long}. Cached tokens beyond the prompt
   * are priced as uncached prompt tokens: a cache cannot serve more than the prompt.
   */
  public long cost(long promptTokens, long cachedPromptTokens, long completionTokens) {
    long cached = Math.min(cachedPromptTokens, promptTokens);
    try {
      long scaled =
          Math.addExact(
              Math.addExact(
                  Micros.scaledCost(promptTokens - cached, inputPerMTok),
                  Micros.scaledCost(cached, cachedInputPerMTok)),
              Micros.scaledCost(completionTokens, outputPerMTok));
      return Micros.roundUp(scaled);
    } catch (ArithmeticException tooLarge) {
      return BEYOND_ANY_BUDGET;
    }
  }

  /**
   * The largest number of output tokens such that {@link #worstCase} stays within {@code
   * budgetMicros}; 0 when the prompt alone does not fit. {@link Long#MAX_VALUE} when output is
   * free.
   */
  public long affordableOutputTokens(long promptTokens, long budgetMicros) {
    long headroomScaled;
    try {
      headroomScaled = Math.multiplyExact(budgetMicros, Micros.TOKENS_PER_PRICE_UNIT);
    } catch (ArithmeticException overflow) {
      headroomScaled = Long.MAX_VALUE;
    }
    long left = headroomScaled - Micros.scaledCost(promptTokens, inputPerMTok);
    if (left < 0) {
      return 0;
    }
    return outputPerMTok == 0 ? Long.MAX_VALUE : left / outputPerMTok;
  }
}
