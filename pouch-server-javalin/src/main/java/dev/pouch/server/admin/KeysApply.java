package dev.pouch.server.admin;

import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.application.port.in.KeyDraft;
import dev.pouch.application.port.in.KeyView;
import dev.pouch.application.port.in.ManageKeys;
import dev.pouch.application.port.in.ManageTeams;
import dev.pouch.application.port.in.TeamDraft;
import dev.pouch.application.port.in.TeamView;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Keys as code ({@code POST /api/apply}, what {@code pouch apply -f keys.yaml} sends): teams and
 * keys matched by name, each created, updated where it differs, or left unchanged. A key entry is
 * the key draft of {@code POST /api/keys} (so every draft field works here too) whose {@code name}
 * is required and unique, with {@code team} naming its team instead of {@code team_id}. Every entry
 * is checked before anything is written; errors name the entry's field ({@code
 * keys[1].provider.config.api_key}). Keys and teams not in the document are left alone.
 */
final class KeysApply {
  private static final Set<String> DOCUMENT_FIELDS = Set.of("teams", "keys", "dry_run");

  private final ManageKeys keys;
  private final ManageTeams teams;
  private final KeyJson keyJson;

  KeysApply(ManageKeys keys, ManageTeams teams, KeyJson keyJson) {
    this.keys = keys;
    this.teams = teams;
    this.keyJson = keyJson;
  }

  /** What happens to one team or key. */
  enum Action {
    CREATED,
    UPDATED,
    UNCHANGED;

    String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private record TeamStep(String name, TeamView existing, TeamDraft draft, List<String> changed) {
    Action action() {
      return existing == null
          ? Action.CREATED
          : changed.isEmpty() ? Action.UNCHANGED : Action.UPDATED;
    }
  }

  private record KeyStep(
      String name,
      int index,
      KeyView existing,
      Map<String, Object> entry,
      String teamName,
      List<String> changed) {
    Action action() {
      return existing == null
          ? Action.CREATED
          : changed.isEmpty() ? Action.UNCHANGED : Action.UPDATED;
    }
  }

  /**
   * Plans the document, then (unless it says {@code "dry_run": true}) carries the plan out.
   *
   * @return the outcome of each team and key, and what was left alone
   * @throws RequestRejectedException naming the field at fault; nothing was written then
   */
  // One document at a time: two applies of one new key must not both create it.
  synchronized Map<String, Object> apply(Map<String, Object> document) {
    for (String field : document.keySet()) {
      if (!DOCUMENT_FIELDS.contains(field)) {
        throw RequestRejectedException.invalidRequest(field, "unknown field '" + field + "'");
      }
    }
    Object dryRunValue = document.get("dry_run");
    if (dryRunValue != null && !(dryRunValue instanceof Boolean)) {
      throw RequestRejectedException.invalidRequest("dry_run", "dry_run must be true or false");
    }
    boolean dryRun = Boolean.TRUE.equals(dryRunValue);
    List<Map<String, Object>> teamEntries = entries(document.get("teams"), "teams");
    List<Map<String, Object>> keyEntries = entries(document.get("keys"), "keys");

    Map<String, List<TeamView>> teamsByName = new HashMap<>();
    for (TeamView team : teams.list()) {
      teamsByName.computeIfAbsent(team.team().name(), n -> new ArrayList<>()).add(team);
    }
    List<TeamStep> teamSteps = planTeams(teamEntries, teamsByName);
    Map<String, TeamStep> teamsInFile = new LinkedHashMap<>();
    teamSteps.forEach(step -> teamsInFile.put(step.name(), step));
    List<KeyStep> keySteps = planKeys(keyEntries, teamsInFile, teamsByName);

    Map<String, String> teamIds = new HashMap<>();
    teamsByName.forEach((name, found) -> teamIds.put(name, found.get(0).team().id()));
    List<Map<String, Object>> teamResults = new ArrayList<>();
    for (TeamStep step : teamSteps) {
      String id = step.existing() == null ? null : step.existing().team().id();
      if (!dryRun && step.action() == Action.CREATED) {
        id = teams.create(step.draft()).team().id();
      } else if (!dryRun && step.action() == Action.UPDATED) {
        teams.update(id, step.draft());
      }
      teamIds.put(step.name(), id);
      teamResults.add(result(step.name(), id, step.action(), step.changed()));
    }
    List<Map<String, Object>> keyResults = new ArrayList<>();
    for (KeyStep step : keySteps) {
      String id = step.existing() == null ? null : step.existing().key().id();
      Map<String, Object> result = result(step.name(), id, step.action(), step.changed());
      if (!dryRun && step.action() != Action.UNCHANGED) {
        KeyDraft draft = draft(step, teamIds.get(step.teamName()));
        if (step.action() == Action.CREATED) {
          CreatedKey created = keys.create(draft);
          result.put("id", created.view().key().id());
          result.put("key", created.secret()); // shown once, on creation only
        } else {
          keys.update(id, draft);
        }
      }
      keyResults.add(result);
    }

    Map<String, Object> leftAlone = new LinkedHashMap<>();
    leftAlone.put(
        "teams",
        teams.list().stream()
            .filter(team -> !teamsInFile.containsKey(team.team().name()))
            .map(team -> named(team.team().id(), team.team().name()))
            .toList());
    Set<String> keyNames = new LinkedHashSet<>();
    keySteps.forEach(step -> keyNames.add(step.name()));
    leftAlone.put(
        "keys",
        keys.list().stream()
            .filter(key -> !keyNames.contains(key.key().name()))
            .map(key -> named(key.key().id(), key.key().name()))
            .toList());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("dry_run", dryRun);
    body.put("teams", teamResults);
    body.put("keys", keyResults);
    body.put("left_alone", leftAlone);
    return body;
  }

  private List<TeamStep> planTeams(
      List<Map<String, Object>> entries, Map<String, List<TeamView>> existing) {
    List<TeamStep> steps = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      String where = "teams[" + i + "]";
      Map<String, Object> entry = entries.get(i);
      TeamDraft draft = within(where, () -> TeamJson.draft(entry).complete());
      if (!seen.add(draft.name())) {
        throw RequestRejectedException.invalidRequest(
            where + ".name", "team '" + draft.name() + "' appears twice; names are unique");
      }
      TeamView found = unique(existing.get(draft.name()), "team", draft.name(), where);
      List<String> changed = new ArrayList<>();
      if (found != null
          && !draft.budgets().equals(found.budgets().stream().map(BudgetTerms::of).toList())) {
        changed.add("budgets");
      }
      steps.add(new TeamStep(draft.name(), found, draft, changed));
    }
    return steps;
  }

  private List<KeyStep> planKeys(
      List<Map<String, Object>> entries,
      Map<String, TeamStep> teamsInFile,
      Map<String, List<TeamView>> teamsOnServer) {
    Map<String, List<KeyView>> existing = new HashMap<>();
    for (KeyView key : keys.list()) {
      existing.computeIfAbsent(key.key().name(), n -> new ArrayList<>()).add(key);
    }
    List<KeyStep> steps = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      String where = "keys[" + i + "]";
      Map<String, Object> entry = entries.get(i);
      if (entry.containsKey("team_id")) {
        throw RequestRejectedException.invalidRequest(
            where + ".team_id", "name the key's team with 'team' (ids differ between servers)");
      }
      Object team = entry.get("team");
      if (team != null && !(team instanceof String)) {
        throw RequestRejectedException.invalidRequest(
            where + ".team", where + ".team must be a team's name");
      }
      String teamName = (String) team;
      String teamId = null;
      if (teamName != null) {
        TeamStep inFile = teamsInFile.get(teamName);
        if (inFile != null) {
          // a team created by this document has no id yet: any key in it changes team
          teamId = inFile.existing() == null ? "new team " + teamName : idOf(inFile.existing());
        } else {
          TeamView onServer =
              unique(teamsOnServer.get(teamName), "team", teamName, where + ".team");
          if (onServer == null) {
            throw RequestRejectedException.invalidRequest(
                where + ".team",
                "no team named '" + teamName + "' in the document or on the server");
          }
          teamId = idOf(onServer);
        }
      }
      if (entry.get("name") == null) {
        throw RequestRejectedException.invalidRequest(
            where + ".name", "name is required: apply matches keys by name");
      }
      KeyDraft draft = draft(new KeyStep(null, i, null, entry, teamName, List.of()), teamId);
      if (!seen.add(draft.name())) {
        throw RequestRejectedException.invalidRequest(
            where + ".name", "key '" + draft.name() + "' appears twice; names are unique");
      }
      KeyView found = unique(existing.get(draft.name()), "key", draft.name(), where + ".name");
      List<String> changed = List.of();
      if (found == null) {
        within(where, () -> keys.check(draft));
      } else {
        changed = within(where, () -> keys.changes(found.key().id(), draft));
      }
      steps.add(new KeyStep(draft.name(), i, found, entry, teamName, changed));
    }
    return steps;
  }

  /** The entry as a key draft in {@code teamId}. */
  private KeyDraft draft(KeyStep step, String teamId) {
    Map<String, Object> body = new LinkedHashMap<>(step.entry());
    body.remove("team");
    body.put("team_id", teamId);
    return within("keys[" + step.index() + "]", () -> keyJson.draft(body));
  }

  private static String idOf(TeamView team) {
    return team.team().id();
  }

  /** The one item of that name, null when none, refused when several. */
  private static <T> T unique(List<T> found, String kind, String name, String field) {
    if (found == null || found.isEmpty()) {
      return null;
    }
    if (found.size() > 1) {
      throw new RequestRejectedException(
          ErrorCode.CONFLICT,
          found.size()
              + " "
              + kind
              + "s on the server are named '"
              + name
              + "': apply matches by name, so rename all but one first",
          field);
    }
    return found.get(0);
  }

  private static Map<String, Object> result(
      String name, String id, Action action, List<String> changed) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("name", name);
    result.put("id", id);
    result.put("action", action.wireName());
    result.put("changed", changed);
    return result;
  }

  private static Map<String, Object> named(String id, String name) {
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("id", id);
    item.put("name", name);
    return item;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> entries(Object value, String field) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list)) {
      throw RequestRejectedException.invalidRequest(field, field + " must be an array");
    }
    List<Map<String, Object>> entries = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof Map<?, ?> entry)) {
        throw RequestRejectedException.invalidRequest(
            field + "[" + i + "]", field + "[" + i + "] must be an object");
      }
      entries.add((Map<String, Object>) entry);
    }
    return entries;
  }

  private static void within(String where, Runnable check) {
    within(
        where,
        () -> {
          check.run();
          return null;
        });
  }

  /** Runs {@code step}, naming {@code where} in front of the field of a refusal. */
  private static <T> T within(String where, Supplier<T> step) {
    try {
      return step.get();
    } catch (RequestRejectedException refused) {
      String param = refused.param() == null ? where : where + "." + refused.param();
      throw new RequestRejectedException(refused.code(), refused.getMessage(), param);
    }
  }
}
