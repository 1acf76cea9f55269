package dev.pouch.domain.provider;

import dev.pouch.domain.money.ModelPrice;
import java.util.Objects;
import java.util.Optional;

/**
 * What a provider knows of a model.
 *
 * @param id model name as clients send it
 * @param price price per million tokens, or {@code null} when unknown (a key with a budget then
 *     refuses the model)
 * @param contextWindow tokens of prompt plus output the model accepts
 * @param maxOutputTokens most output tokens one choice can have
 */
public record ModelInfo(String id, ModelPrice price, long contextWindow, long maxOutputTokens) {
  public ModelInfo {
    Objects.requireNonNull(id, "id");
    if (contextWindow < 1 || maxOutputTokens < 1) {
      throw new IllegalArgumentException("model limits must be positive");
    }
  }

  public Optional<ModelPrice> knownPrice() {
    return Optional.ofNullable(price);
  }
}
