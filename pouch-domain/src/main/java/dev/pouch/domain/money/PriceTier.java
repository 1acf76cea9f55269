package dev.pouch.domain.money;

import java.util.Objects;

/**
 * A long-context price: requests whose prompt has more than {@code aboveInputTokens} tokens are
 * billed entirely at {@code price}.
 */
public record PriceTier(long aboveInputTokens, ModelPrice price) {
  public PriceTier {
    if (aboveInputTokens < 1) {
      throw new IllegalArgumentException("a tier starts above a positive token count");
    }
    Objects.requireNonNull(price, "price");
  }
}
