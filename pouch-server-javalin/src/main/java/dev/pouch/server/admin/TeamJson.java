package dev.pouch.server.admin;

import dev.pouch.application.port.in.TeamDraft;
import dev.pouch.application.port.in.TeamView;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.error.RequestRejectedException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The admin API's JSON for teams: strict drafts (as for keys), views with each budget's spend. */
final class TeamJson {
  private static final Set<String> DRAFT_FIELDS = Set.of("name", "budgets");

  private TeamJson() {}

  /**
   * A draft from a request body: {@code name} and {@code budgets}. Unknown fields and wrong types
   * are refused naming the field; a creation must have both (checked by the service).
   *
   * @throws RequestRejectedException {@code INVALID_REQUEST}
   */
  static TeamDraft draft(Map<String, Object> body) {
    for (String field : body.keySet()) {
      if (!DRAFT_FIELDS.contains(field)) {
        throw RequestRejectedException.invalidRequest(field, "unknown field '" + field + "'");
      }
    }
    Object name = body.get("name");
    if (name != null && !(name instanceof String)) {
      throw RequestRejectedException.invalidRequest("name", "name must be a string");
    }
    List<BudgetTerms> budgets =
        body.get("budgets") == null ? null : BudgetJson.terms(body.get("budgets"), "budgets");
    return new TeamDraft((String) name, budgets);
  }

  /** A team as the admin API shows it. */
  static Map<String, Object> view(TeamView view) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", view.team().id());
    json.put("name", view.team().name());
    json.put("created_at", view.team().createdAt().toString());
    json.put("budgets", BudgetJson.views(view.budgets()));
    json.put("key_ids", view.keyIds());
    return json;
  }
}
