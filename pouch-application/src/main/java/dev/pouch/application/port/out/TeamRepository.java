package dev.pouch.application.port.out;

import dev.pouch.domain.team.Team;
import java.util.List;
import java.util.Optional;

/**
 * Stored teams (their budgets are the {@link BudgetLedger}'s, under the team's id). Deleting is
 * final: a team's id is never given again.
 */
public interface TeamRepository {

  /**
   * Stores a new team.
   *
   * @throws IllegalStateException when a team with this id exists
   */
  void insertTeam(Team team);

  /** The team, or empty when there is none (or it was deleted). */
  Optional<Team> findTeam(String id);

  /** Every team, oldest first (then in insertion order). */
  List<Team> listTeams();

  /** Renames a team; false when there is none. */
  boolean renameTeam(String id, String name);

  /** Deletes a team; false when there was none. */
  boolean deleteTeam(String id);
}
