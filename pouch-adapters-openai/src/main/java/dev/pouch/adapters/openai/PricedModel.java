package dev.pouch.adapters.openai;

import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.money.PriceTier;
import dev.pouch.domain.provider.ModelInfo;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One entry of a price table: what a model costs, its limits, and how to count its prompt tokens.
 *
 * <p>Reasoning tokens are billed as output tokens, so {@code price.outputPerMTok} and {@code
 * maxOutputTokens} already cover them; {@code reasoning} is informational.
 *
 * @param id the model name as the table lists it (a request may name a dated snapshot of it)
 * @param price base price per million tokens
 * @param tiers long-context prices, sorted by threshold, each at least as high as the one before
 *     (so over-estimating a prompt can never select a cheaper tier)
 * @param contextWindow tokens of prompt plus output the model accepts
 * @param maxOutputTokens most output tokens (reasoning included) one choice can have
 * @param encoding how to count this model's prompt tokens
 * @param reasoning whether the model produces hidden reasoning tokens (billed as output)
 * @param maxImageTokens an upper bound of the prompt tokens one image input can be billed for
 * @param provenance where the numbers come from, for humans checking the table
 */
public record PricedModel(
    String id,
    ModelPrice price,
    List<PriceTier> tiers,
    long contextWindow,
    long maxOutputTokens,
    TokenEncoding encoding,
    boolean reasoning,
    long maxImageTokens,
    String provenance) {

  public PricedModel {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(price, "price");
    Objects.requireNonNull(encoding, "encoding");
    Objects.requireNonNull(provenance, "provenance");
    if (id.isBlank()) {
      throw new IllegalArgumentException("a model id cannot be blank");
    }
    tiers = tiers.stream().sorted(Comparator.comparingLong(PriceTier::aboveInputTokens)).toList();
    requireCachedAtMostInput(price);
    ModelPrice previous = price;
    long previousThreshold = 0;
    for (PriceTier tier : tiers) {
      requireCachedAtMostInput(tier.price());
      if (tier.aboveInputTokens() == previousThreshold) {
        throw new IllegalArgumentException("two price tiers start at " + previousThreshold);
      }
      // An over-estimated prompt must never land in a cheaper tier: prices may only rise.
      if (!atLeast(tier.price(), previous)) {
        throw new IllegalArgumentException(
            "the tier above " + tier.aboveInputTokens() + " tokens is cheaper than the one below");
      }
      previous = tier.price();
      previousThreshold = tier.aboveInputTokens();
    }
    if (contextWindow < 1 || maxOutputTokens < 1 || maxImageTokens < 1) {
      throw new IllegalArgumentException("model limits must be positive");
    }
    if (maxOutputTokens > contextWindow) {
      throw new IllegalArgumentException("max output tokens cannot exceed the context window");
    }
  }

  /**
   * What the provider port reports for a request naming {@code requestedName} (which may be a dated
   * snapshot of {@link #id}).
   *
   * @param pricedAs recorded with every request this prices, e.g. {@code gpt-4o@2026-11-25}
   */
  public ModelInfo toModelInfo(String requestedName, String pricedAs) {
    return new ModelInfo(requestedName, price, tiers, contextWindow, maxOutputTokens, pricedAs);
  }

  // A reservation prices every prompt token at the full input rate; that is only an upper bound
  // if a cached token never costs more than an uncached one.
  private static void requireCachedAtMostInput(ModelPrice price) {
    if (price.cachedInputPerMTok() > price.inputPerMTok()) {
      throw new IllegalArgumentException("the cached input price cannot exceed the input price");
    }
  }

  private static boolean atLeast(ModelPrice higher, ModelPrice lower) {
    return higher.inputPerMTok() >= lower.inputPerMTok()
        && higher.cachedInputPerMTok() >= lower.cachedInputPerMTok()
        && higher.outputPerMTok() >= lower.outputPerMTok();
  }
}
