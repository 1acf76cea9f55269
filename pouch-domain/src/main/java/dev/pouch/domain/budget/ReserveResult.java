package dev.pouch.domain.budget;

import java.util.Objects;

/** What a ledger's reserve did: took the amount from every layer, or took nothing. */
public sealed interface ReserveResult {
  /** Whether the amount was taken. */
  default boolean reserved() {
    return this instanceof Reserved;
  }

  /** Taken from every budget that applies (or taken before: reserving is idempotent). */
  record Reserved() implements ReserveResult {}

  /**
   * Nothing taken: {@code layer} could not cover the amount (the first such one, the key's budgets
   * before its team's); a key without budgets is refused at its position 0.
   */
  record Refused(BudgetLayer layer) implements ReserveResult {
    public Refused {
      Objects.requireNonNull(layer, "layer");
    }
  }

  /** The one {@link Reserved}. */
  ReserveResult RESERVED = new Reserved();
}
