package dev.pouch.application.port.in;

import dev.pouch.domain.budget.Budget;
import java.util.List;
import java.util.Objects;

/**
 * An end user of a key as admins see it: its id and its budgets inside the key, in the order of the
 * key's end-user terms.
 *
 * @param id the end user's id as its requests named it
 * @param budgets its budgets, at least one
 */
public record EndUserView(String id, List<Budget> budgets) {
  public EndUserView {
    Objects.requireNonNull(id, "id");
    budgets = List.copyOf(budgets);
  }
}
