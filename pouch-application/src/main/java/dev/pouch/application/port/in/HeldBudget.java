package dev.pouch.application.port.in;

import dev.pouch.domain.budget.Budget;
import java.util.Objects;

/**
 * One budget an app key pays from, as its holder may see it ({@code GET /v1/pouch/budgets}): the
 * key's own budgets, its team's, and those of the end user it asked about.
 *
 * @param owner {@code key}, {@code team} or {@code end_user}
 * @param ownerName the key's or the team's name, or the end user's id
 * @param position the budget's place among its owner's, from 0
 * @param budget the budget as the holder's next request would find it: a period that is over shows
 *     as a new one, with nothing spent
 */
public record HeldBudget(String owner, String ownerName, int position, Budget budget) {
  public HeldBudget {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(ownerName, "ownerName");
    Objects.requireNonNull(budget, "budget");
  }
}
