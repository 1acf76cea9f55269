package dev.pouch.application.port.in;

import java.util.List;

/**
 * Admin use cases on teams: keys that share budgets. A key's requests pay from its own budgets and
 * its team's, all reserved together. Unknown ids throw {@code NOT_FOUND}.
 */
public interface ManageTeams {

  /** Creates a team with its budgets, nothing spent. */
  TeamView create(TeamDraft draft);

  /** Every team, oldest first. */
  List<TeamView> list();

  TeamView get(String teamId);

  /**
   * Renames a team and/or replaces its budgets (fields left {@code null} stay). Lowering a limit
   * below the spend refuses new requests only; requests in flight settle.
   */
  TeamView update(String teamId, TeamDraft draft);

  /**
   * Deletes a team and its budgets.
   *
   * @throws dev.pouch.domain.error.RequestRejectedException {@code CONFLICT} while a live key
   *     belongs to it: move or delete its keys first
   */
  void delete(String teamId);
}
