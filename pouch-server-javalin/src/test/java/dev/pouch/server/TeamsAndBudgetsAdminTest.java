package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The admin API of budgets in layers: a key's {@code budgets} array (and its one-budget shorthand),
 * and {@code /api/teams} in the key API's JSON and error style; validation errors name the field.
 */
class TeamsAndBudgetsAdminTest extends ServerTest {

  private static Map<String, Object> budget(long limit, long period) {
    return Map.of("limit_micros", limit, "reset_period_seconds", period);
  }

  private static Map<String, Object> team(String name, Object budgets) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", name);
    body.put("budgets", budgets);
    return body;
  }

  private JsonNode createTeam(String name, Object budgets) {
    TestPouch.Reply reply = pouch.admin("POST", "/api/teams", team(name, budgets));
    assertThat(reply.status()).as(reply.raw()).isEqualTo(201);
    return reply.body();
  }

  private void assertInvalid(TestPouch.Reply reply, String param) {
    assertThat(reply.status()).as(reply.raw()).isEqualTo(400);
    assertThat(reply.body().path("error").path("code").asText()).isEqualTo("invalid_request");
    assertThat(reply.body().path("error").path("param").asText()).isEqualTo(param);
  }

  @Test
  void aKeyTakesSeveralBudgetsAndShowsEachWithItsSpendTheFirstAlsoAsBudget() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("layered")
                .set("budgets", List.of(budget(5_000_000, 86_400), budget(100_000_000, 0))));

    JsonNode view = pouch.admin("GET", "/api/keys/" + key.id(), null).body();

    assertThat(view.get("budgets")).hasSize(2);
    assertThat(view.get("budgets").get(0).get("limit_micros").asLong()).isEqualTo(5_000_000);
    assertThat(view.get("budgets").get(0).get("reset_period_seconds").asLong()).isEqualTo(86_400);
    assertThat(view.get("budgets").get(1).get("limit_micros").asLong()).isEqualTo(100_000_000);
    assertThat(view.get("budgets").get(1).get("spent_micros").asLong()).isZero();
    assertThat(view.get("budgets").get(1).get("reserved_micros").asLong()).isZero();
    assertThat(view.get("budgets").get(1).has("period_started_at")).isTrue();
    assertThat(view.get("budget")).isEqualTo(view.get("budgets").get(0));
    assertThat(view.get("team_id").isNull()).isTrue();
  }

  @Test
  void theShorthandStillMakesOneBudgetAndMayRepeatTheFirstOfTheArray() {
    TestPouch.CreatedTestKey shorthand =
        pouch.createKey(KeyBody.mock("old client").budgetMicros(7_000).resetPeriodSeconds(60));
    JsonNode view = pouch.admin("GET", "/api/keys/" + shorthand.id(), null).body();
    assertThat(view.get("budgets")).hasSize(1);
    assertThat(view.get("budget").get("limit_micros").asLong()).isEqualTo(7_000);

    TestPouch.CreatedTestKey both =
        pouch.createKey(
            KeyBody.mock("echo")
                .budgetMicros(7_000)
                .set("budgets", List.of(budget(7_000, 0), budget(9_000, 60))));
    assertThat(pouch.admin("GET", "/api/keys/" + both.id(), null).body().get("budgets")).hasSize(2);
  }

  @Test
  void budgetValidationErrorsNameTheField() {
    assertInvalid(
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.mock("x").budgetMicros(1).set("budgets", List.of(budget(2, 0))).toMap()),
        "budget_limit_micros");
    assertInvalid(
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.mock("x").set("budgets", List.of(budget(1, 0), budget(-1, 0))).toMap()),
        "budgets[1].limit_micros");
    assertInvalid(
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.mock("x")
                .set("budgets", List.of(Map.of("limit_micros", 1, "reset_period_seconds", "day")))
                .toMap()),
        "budgets[0].reset_period_seconds");
    assertInvalid(
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.mock("x").set("budgets", List.of(Map.of("limit", 1))).toMap()),
        "budgets[0].limit");
    assertInvalid(
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.mock("x").set("budgets", List.of(Map.of("reset_period_seconds", 1))).toMap()),
        "budgets[0].limit_micros");
    assertInvalid(
        pouch.admin("POST", "/api/keys", KeyBody.mock("x").set("budgets", List.of()).toMap()),
        "budgets");
    assertInvalid(
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.mock("x")
                .set("budgets", java.util.Collections.nCopies(9, budget(1, 0)))
                .toMap()),
        "budgets");
    assertInvalid(
        pouch.admin("POST", "/api/keys", KeyBody.mock("x").set("team_id", "team_none").toMap()),
        "team_id");
    assertThat(pouch.admin("GET", "/api/keys", null).body()).isEmpty();
  }

  @Test
  void replacingAKeysBudgetsKeepsTheSpendOfEveryPositionThatStays() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("edit")
                .prices("3", "15")
                .set("budgets", List.of(budget(5_000_000, 86_400), budget(9_000_000, 0))));
    assertThat(
            pouch
                .chat(
                    key,
                    Map.of(
                        "model",
                        "mock-model",
                        "max_tokens",
                        20,
                        "messages",
                        List.of(Map.of("role", "user", "content", "hello"))))
                .status())
        .isEqualTo(200);
    long spent = pouch.budget(key.id()).get("spent_micros").asLong();
    assertThat(spent).isPositive();

    TestPouch.Reply edited =
        pouch.admin(
            "PUT",
            "/api/keys/" + key.id(),
            KeyBody.mock("edit")
                .prices("3", "15")
                .set("budgets", List.of(budget(6_000_000, 86_400)))
                .toMap());

    assertThat(edited.status()).as(edited.raw()).isEqualTo(200);
    assertThat(edited.body().get("budgets")).hasSize(1);
    assertThat(edited.body().get("budget").get("limit_micros").asLong()).isEqualTo(6_000_000);
    assertThat(edited.body().get("budget").get("spent_micros").asLong()).isEqualTo(spent);
  }

  @Test
  void anEditWithOnlyTheShorthandChangesTheFirstBudgetAndKeepsTheOthers() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("ui edit")
                .set("budgets", List.of(budget(5_000_000, 86_400), budget(9_000_000, 0))));

    TestPouch.Reply edited =
        pouch.admin(
            "PUT",
            "/api/keys/" + key.id(),
            KeyBody.mock("ui edit").budgetMicros(4_000_000).resetPeriodSeconds(3_600).toMap());

    assertThat(edited.status()).as(edited.raw()).isEqualTo(200);
    JsonNode budgets = edited.body().get("budgets");
    assertThat(budgets).hasSize(2);
    assertThat(budgets.get(0).get("limit_micros").asLong()).isEqualTo(4_000_000);
    assertThat(budgets.get(0).get("reset_period_seconds").asLong()).isEqualTo(3_600);
    assertThat(budgets.get(1).get("limit_micros").asLong()).isEqualTo(9_000_000);
    assertThat(budgets.get(1).get("reset_period_seconds").asLong()).isZero();
  }

  @Test
  void teamsAreCreatedListedShownRenamedAndDeleted() {
    JsonNode created =
        createTeam("research", List.of(budget(100_000_000, 2_592_000), budget(500_000_000, 0)));
    String id = created.get("id").asText();
    assertThat(id).startsWith("team_");
    assertThat(created.get("name").asText()).isEqualTo("research");
    assertThat(created.get("budgets")).hasSize(2);
    assertThat(created.get("budgets").get(0).get("limit_micros").asLong()).isEqualTo(100_000_000);
    assertThat(created.get("budgets").get(0).get("spent_micros").asLong()).isZero();
    assertThat(created.get("key_ids")).isEmpty();

    assertThat(pouch.admin("GET", "/api/teams", null).body())
        .singleElement()
        .satisfies(team -> assertThat(team.get("id").asText()).isEqualTo(id));
    assertThat(pouch.admin("GET", "/api/teams/" + id, null).body()).isEqualTo(created);

    TestPouch.Reply renamed =
        pouch.admin("PATCH", "/api/teams/" + id, Map.of("name", "research lab"));
    assertThat(renamed.status()).as(renamed.raw()).isEqualTo(200);
    assertThat(renamed.body().get("name").asText()).isEqualTo("research lab");
    assertThat(renamed.body().get("budgets")).isEqualTo(created.get("budgets"));

    TestPouch.Reply rebudgeted =
        pouch.admin("PATCH", "/api/teams/" + id, Map.of("budgets", List.of(budget(1_000, 86_400))));
    assertThat(rebudgeted.status()).as(rebudgeted.raw()).isEqualTo(200);
    assertThat(rebudgeted.body().get("budgets")).hasSize(1);
    assertThat(rebudgeted.body().get("budgets").get(0).get("limit_micros").asLong())
        .isEqualTo(1_000);

    assertThat(pouch.admin("DELETE", "/api/teams/" + id, null).status()).isEqualTo(204);
    assertThat(pouch.admin("GET", "/api/teams/" + id, null).status()).isEqualTo(404);
    assertThat(pouch.admin("DELETE", "/api/teams/" + id, null).status()).isEqualTo(404);
    assertThat(pouch.admin("GET", "/api/teams", null).body()).isEmpty();
  }

  @Test
  void aKeyJoinsATeamAndATeamWithKeysCannotBeDeleted() {
    String teamId = createTeam("ops", List.of(budget(1_000_000, 0))).get("id").asText();
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.mock("member").budgetMicros(5_000).set("team_id", teamId));

    assertThat(pouch.admin("GET", "/api/keys/" + key.id(), null).body().get("team_id").asText())
        .isEqualTo(teamId);
    assertThat(pouch.admin("GET", "/api/teams/" + teamId, null).body().get("key_ids"))
        .extracting(JsonNode::asText)
        .containsExactly(key.id());

    TestPouch.Reply refused = pouch.admin("DELETE", "/api/teams/" + teamId, null);
    assertThat(refused.status()).as(refused.raw()).isEqualTo(409);
    assertThat(refused.errorCode()).isEqualTo("conflict");

    // a PUT without team_id keeps the team (clients before teams); team_id null leaves it
    TestPouch.Reply kept =
        pouch.admin(
            "PUT", "/api/keys/" + key.id(), KeyBody.mock("member").budgetMicros(6_000).toMap());
    assertThat(kept.body().get("team_id").asText()).isEqualTo(teamId);
    TestPouch.Reply left =
        pouch.admin(
            "PUT",
            "/api/keys/" + key.id(),
            KeyBody.mock("member").budgetMicros(5_000).set("team_id", null).toMap());
    assertThat(left.body().get("team_id").isNull()).isTrue();
    assertThat(pouch.admin("DELETE", "/api/teams/" + teamId, null).status()).isEqualTo(204);
  }

  @Test
  void teamDraftsAreStrictAndTheirErrorsNameTheField() {
    assertInvalid(
        pouch.admin("POST", "/api/teams", Map.of("budgets", List.of(budget(1, 0)))), "name");
    assertInvalid(pouch.admin("POST", "/api/teams", Map.of("name", "t")), "budgets");
    assertInvalid(
        pouch.admin("POST", "/api/teams", Map.of("name", "t", "budgets", List.of(), "x", 1)), "x");
    assertInvalid(pouch.admin("POST", "/api/teams", team("t", List.of())), "budgets");
    assertInvalid(
        pouch.admin("POST", "/api/teams", team("t", List.of(budget(1, -5)))),
        "budgets[0].reset_period_seconds");
    assertInvalid(
        pouch.admin("POST", "/api/teams", team("no/slash", List.of(budget(1, 0)))), "name");
    String id = createTeam("t", List.of(budget(1, 0))).get("id").asText();
    assertInvalid(pouch.admin("PATCH", "/api/teams/" + id, Map.of("budgets", "lots")), "budgets");
    assertThat(pouch.admin("PATCH", "/api/teams/team_none", Map.of("name", "x")).status())
        .isEqualTo(404);
    assertThat(pouch.send("GET", "/api/teams", null, null).status()).isEqualTo(401);
  }
}
