package dev.pouch.application.port.in;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.team.Team;
import java.util.List;
import java.util.Objects;

/**
 * A team as admins see it: the stored team, its budgets with their spend, and its keys.
 *
 * @param keyIds the ids of the live keys in the team
 */
public record TeamView(Team team, List<Budget> budgets, List<String> keyIds) {
  public TeamView {
    Objects.requireNonNull(team, "team");
    budgets = List.copyOf(budgets);
    keyIds = List.copyOf(keyIds);
  }
}
