package dev.pouch.domain.provider;

import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.money.PriceTier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a provider knows of a model.
 *
 * @param id model name as clients send it
 * @param price base price per million tokens, or {@code null} when unknown (a key with a budget
 *     then refuses the model)
 * @param tiers long-context prices, each for prompts above its threshold; empty when flat
 * @param contextWindow tokens of prompt plus output the model accepts
 * @param maxOutputTokens most output tokens one choice can have
 * @param pricedAs where the price comes from (a price-table version, a config), recorded with every
 *     request it prices; {@code null} when unknown
 */
public record ModelInfo(
    String id,
    ModelPrice price,
    List<PriceTier> tiers,
    long contextWindow,
    long maxOutputTokens,
    String pricedAs) {
  public ModelInfo {
    Objects.requireNonNull(id, "id");
    tiers = tiers.stream().sorted(Comparator.comparingLong(PriceTier::aboveInputTokens)).toList();
    if (contextWindow < 1 || maxOutputTokens < 1) {
      throw new IllegalArgumentException("model limits must be positive");
    }
    if (price == null && !tiers.isEmpty()) {
      throw new IllegalArgumentException("tiers need a base price");
    }
  }

  /** A model with one flat price. */
  public ModelInfo(String id, ModelPrice price, long contextWindow, long maxOutputTokens) {
    this(id, price, List.of(), contextWindow, maxOutputTokens, null);
  }

  /**
   * This model (its id, limits and price source) priced at the dearer of its own and {@code
   * other}'s price at every prompt length, part by part: the price of a request that either of two
   * upstreams may serve. Itself when either price is unknown (a key with a budget never gets here:
   * it serves only priced models).
   */
  public ModelInfo pricedAtLeastAs(ModelInfo other) {
    if (price == null || other.price == null) {
      return this;
    }
    SortedSet<Long> thresholds = new TreeSet<>();
    tiers.forEach(tier -> thresholds.add(tier.aboveInputTokens()));
    other.tiers.forEach(tier -> thresholds.add(tier.aboveInputTokens()));
    List<PriceTier> merged = new ArrayList<>();
    for (long threshold : thresholds) {
      // Both prices are constant from just above one threshold up to the next.
      long above = threshold == Long.MAX_VALUE ? threshold : threshold + 1;
      merged.add(new PriceTier(threshold, priceFor(above).dearestWith(other.priceFor(above))));
    }
    return new ModelInfo(
        id, price.dearestWith(other.price), merged, contextWindow, maxOutputTokens, pricedAs);
  }

  public Optional<ModelPrice> knownPrice() {
    return Optional.ofNullable(price);
  }

  /**
   * The price of a request with {@code promptTokens}: the highest tier it passes, else the base
   * price. Tiers only rise, so pricing an upper bound of the prompt never under-prices it.
   */
  public ModelPrice priceFor(long promptTokens) {
    ModelPrice chosen = price;
    for (PriceTier tier : tiers) {
      if (promptTokens > tier.aboveInputTokens()) {
        chosen = tier.price();
      }
    }
    return chosen;
  }
}
