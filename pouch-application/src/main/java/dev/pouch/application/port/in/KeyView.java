package dev.pouch.application.port.in;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.KeyStatus;
import java.util.List;
import java.util.Objects;

/**
 * A key as admins see it: the stored key, its budgets and its status. Secret config fields are
 * masked by the presenter (the server), which knows the schemas through the catalog.
 *
 * @param budgets the key's own budgets in order (its team's are the team's view), at least one
 * @param simulated whether answers come from the mock rather than a real upstream
 */
public record KeyView(AppKey key, List<Budget> budgets, KeyStatus status, boolean simulated) {
  public KeyView {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(status, "status");
    budgets = List.copyOf(budgets);
    if (budgets.isEmpty()) {
      throw new IllegalArgumentException("a key has at least one budget");
    }
  }

  /** The key's first budget: "the key's budget" of clients that know one. */
  public Budget budget() {
    return budgets.get(0);
  }
}
