package dev.pouch.application.port.in;

import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.key.KeyName;
import java.util.List;

/**
 * What an admin asks for when creating a team, or changes when editing one ({@code null}: keep).
 *
 * @param name display name, by the rule of key names; required on creation
 * @param budgets the team's budgets in order, 1 to {@link BudgetTerms#MAX_PER_OWNER}; required on
 *     creation. Editing replaces them by position, as a key's (a budget at a position that stays
 *     keeps its spend)
 */
public record TeamDraft(String name, List<BudgetTerms> budgets) {
  public TeamDraft {
    name = name == null ? null : KeyName.validate(name);
    if (budgets != null) {
      if (budgets.isEmpty() || budgets.size() > BudgetTerms.MAX_PER_OWNER) {
        throw RequestRejectedException.invalidRequest(
            "budgets", "budgets must hold 1 to " + BudgetTerms.MAX_PER_OWNER + " budgets");
      }
      budgets = List.copyOf(budgets);
    }
  }

  /** Checks that a creation has everything: a name and budgets. */
  public TeamDraft complete() {
    if (name == null) {
      throw RequestRejectedException.invalidRequest("name", "name is required");
    }
    if (budgets == null) {
      throw RequestRejectedException.invalidRequest(
          "budgets", "budgets is required: a team has 1 to " + BudgetTerms.MAX_PER_OWNER);
    }
    return this;
  }
}
