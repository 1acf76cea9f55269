package dev.pouch.domain.budget;

import java.util.Objects;

/**
 * One budget among those a request pays from: the {@code position}-th budget of an owner (a key or
 * a team, by id). A key's first budget is position 0.
 *
 * @param ownerId the id of the key or team the budget belongs to
 * @param position its place in the owner's budgets, from 0
 */
public record BudgetLayer(String ownerId, int position) {
  public BudgetLayer {
    Objects.requireNonNull(ownerId, "ownerId");
    if (position < 0) {
      throw new IllegalArgumentException("position cannot be negative");
    }
  }
}
