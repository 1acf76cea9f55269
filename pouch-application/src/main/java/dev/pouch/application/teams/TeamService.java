package dev.pouch.application.teams;

import dev.pouch.application.keys.KeySecrets;
import dev.pouch.application.port.in.ManageTeams;
import dev.pouch.application.port.in.TeamDraft;
import dev.pouch.application.port.in.TeamView;
import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.application.port.out.TeamRepository;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.team.Team;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Team management on top of the team repository, the key repository and the ledger. */
public final class TeamService implements ManageTeams {
  private static final Logger log = LoggerFactory.getLogger(TeamService.class);

  private final TeamRepository teams;
  private final KeyRepository keys;
  private final BudgetLedger ledger;
  private final KeySecrets secrets;
  private final Clock clock;

  public TeamService(
      TeamRepository teams,
      KeyRepository keys,
      BudgetLedger ledger,
      KeySecrets secrets,
      Clock clock) {
    this.teams = teams;
    this.keys = keys;
    this.ledger = ledger;
    this.secrets = secrets;
    this.clock = clock;
  }

  @Override
  public TeamView create(TeamDraft draft) {
    draft.complete();
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    Team team = new Team(secrets.newTeamId(), draft.name(), now);
    // Budgets first, as for keys: a crash in between leaves unused budget rows, never a team
    // without budgets.
    ledger.open(team.id(), draft.budgets(), now);
    teams.insertTeam(team);
    log.atInfo().addKeyValue("team_id", team.id()).log("team created");
    return view(team, ledger.budgets(team.id()), List.of());
  }

  @Override
  public List<TeamView> list() {
    Map<String, List<Budget>> budgets = ledger.findAllBudgets();
    List<AppKey> live = keys.list();
    List<TeamView> views = new ArrayList<>();
    for (Team team : teams.listTeams()) {
      List<Budget> own = budgets.get(team.id());
      if (own != null) {
        views.add(view(team, own, keyIdsOf(team.id(), live)));
      }
    }
    return views;
  }

  @Override
  public TeamView get(String teamId) {
    Team team = require(teamId);
    return view(team, ledger.budgets(teamId), keyIdsOf(teamId, keys.list()));
  }

  @Override
  public TeamView update(String teamId, TeamDraft draft) {
    Team team = require(teamId);
    if (draft.name() != null && !draft.name().equals(team.name())) {
      teams.renameTeam(teamId, draft.name());
    }
    if (draft.budgets() != null) {
      ledger.configure(teamId, draft.budgets(), clock.instant());
    }
    log.atInfo().addKeyValue("team_id", teamId).log("team updated");
    return get(teamId);
  }

  @Override
  public void delete(String teamId) {
    require(teamId);
    List<String> members = keyIdsOf(teamId, keys.list());
    if (!members.isEmpty()) {
      throw new RequestRejectedException(
          ErrorCode.CONFLICT,
          "team '"
              + teamId
              + "' still has "
              + members.size()
              + " key(s): move them to another team, or delete them, first");
    }
    teams.deleteTeam(teamId);
    ledger.drop(teamId);
    log.atInfo().addKeyValue("team_id", teamId).log("team deleted");
  }

  /** The team, or {@code NOT_FOUND}. */
  Team require(String teamId) {
    return teams
        .findTeam(teamId)
        .orElseThrow(
            () ->
                new RequestRejectedException(
                    ErrorCode.NOT_FOUND, "no team with id '" + teamId + "'"));
  }

  private static List<String> keyIdsOf(String teamId, List<AppKey> live) {
    return live.stream().filter(key -> teamId.equals(key.teamId())).map(AppKey::id).toList();
  }

  private static TeamView view(Team team, List<Budget> budgets, List<String> keyIds) {
    return new TeamView(team, budgets, keyIds);
  }
}
