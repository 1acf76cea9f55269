package dev.pouch.domain.money;

/**
 * Price of a model in micro-dollars per one million tokens.
 *
 * @param inputPerMTok price of a prompt token
 * @param cachedInputPerMTok price of a prompt token served from the upstream's prompt cache
 * @param outputPerMTok price of a completion token (reasoning tokens included)
 * @param cacheWrite5mPerMTok price of a prompt token written to a 5-minute prompt cache (Anthropic:
 *     1.25 × input); the input price where writing costs nothing extra (OpenAI)
 * @param cacheWrite1hPerMTok price of a prompt token written to a 1-hour prompt cache (Anthropic: 2
 *     × input)
 */
public record ModelPrice(
    long inputPerMTok,
    long cachedInputPerMTok,
    long outputPerMTok,
    long cacheWrite5mPerMTok,
    long cacheWrite1hPerMTok) {
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
    Micros.requireNonNegative(cacheWrite5mPerMTok, "5-minute cache write price");
    Micros.requireNonNegative(cacheWrite1hPerMTok, "1-hour cache write price");
  }

  /** A price whose cache writes cost the input price (OpenAI: caching only discounts). */
  public ModelPrice(long inputPerMTok, long cachedInputPerMTok, long outputPerMTok) {
    this(inputPerMTok, cachedInputPerMTok, outputPerMTok, inputPerMTok, inputPerMTok);
  }

  /**
   * This price with every prompt token at the dearest input rate (input or either cache write), for
   * the worst case of a request that may write the prompt cache: {@link #worstCase} then prices
   * each prompt token as if it were written to the 1-hour cache. Itself when writes cost no more.
   */
  public ModelPrice withDearestInput() {
    long dearest = Math.max(inputPerMTok, Math.max(cacheWrite5mPerMTok, cacheWrite1hPerMTok));
    return dearest == inputPerMTok
        ? this
        : new ModelPrice(
            dearest, cachedInputPerMTok, outputPerMTok, cacheWrite5mPerMTok, cacheWrite1hPerMTok);
  }

  /**
   * The price that is at least this one and {@code other} in every part: what a request costs at
   * most when either of two upstreams may serve it.
   */
  public ModelPrice dearestWith(ModelPrice other) {
    return new ModelPrice(
        Math.max(inputPerMTok, other.inputPerMTok),
        Math.max(cachedInputPerMTok, other.cachedInputPerMTok),
        Math.max(outputPerMTok, other.outputPerMTok),
        Math.max(cacheWrite5mPerMTok, other.cacheWrite5mPerMTok),
        Math.max(cacheWrite1hPerMTok, other.cacheWrite1hPerMTok));
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
    return cost(promptTokens, cachedPromptTokens, 0, 0, completionTokens);
  }

  /**
   * Actual cost of metered usage with prompt-cache writes: each part of the prompt at its own rate
   * (cache reads, 5-minute writes, 1-hour writes, the rest at the input price), rounded up once.
   * Parts beyond the prompt are priced as uncached prompt tokens, in that order; a settlement
   * refuses such usage as implausible before it gets here.
   */
  public long cost(
      long promptTokens,
      long cachedPromptTokens,
      long cacheWrite5mTokens,
      long cacheWrite1hTokens,
      long completionTokens) {
    long cached = Math.min(cachedPromptTokens, promptTokens);
    long write5m = Math.min(cacheWrite5mTokens, promptTokens - cached);
    long write1h = Math.min(cacheWrite1hTokens, promptTokens - cached - write5m);
    long plain = promptTokens - cached - write5m - write1h;
    try {
      long scaled =
          Math.addExact(
              Math.addExact(
                  Math.addExact(
                      Micros.scaledCost(plain, inputPerMTok),
                      Micros.scaledCost(cached, cachedInputPerMTok)),
                  Math.addExact(
                      Micros.scaledCost(write5m, cacheWrite5mPerMTok),
                      Micros.scaledCost(write1h, cacheWrite1hPerMTok))),
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
