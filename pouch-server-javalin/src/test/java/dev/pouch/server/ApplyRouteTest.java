package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /api/apply}, the plan behind {@code pouch apply}: matching by name, and refusals. */
class ApplyRouteTest {
  @TempDir Path tmp;

  private TestPouch pouch;

  @BeforeEach
  void start() {
    pouch = TestPouch.start(tmp.resolve("data"));
  }

  @AfterEach
  void stop() {
    pouch.close();
  }

  private static Map<String, Object> mockKey(String name) {
    return Map.of("name", name, "provider", Map.of("id", "mock"));
  }

  @Test
  void twoKeysOnTheServerWithTheEntrysNameAreAConflictAndNothingIsWritten() {
    pouch.createKey(KeyBody.mock("twin"));
    pouch.createKey(KeyBody.mock("twin"));

    TestPouch.Reply reply =
        pouch.admin("POST", "/api/apply", Map.of("keys", List.of(mockKey("new"), mockKey("twin"))));

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.body().path("error").path("param").asText()).isEqualTo("keys[1].name");
    assertThat(pouch.admin("GET", "/api/keys", null).body()).hasSize(2);
  }

  @Test
  void aNameTwiceInTheDocumentIsRefusedAtTheSecond() {
    TestPouch.Reply reply =
        pouch.admin("POST", "/api/apply", Map.of("keys", List.of(mockKey("a"), mockKey("a"))));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body().path("error").path("param").asText()).isEqualTo("keys[1].name");
    assertThat(pouch.admin("GET", "/api/keys", null).body()).isEmpty();
  }

  @Test
  void aTeamNamedNowhereIsRefusedAndAKeyMayNotNameATeamById() {
    TestPouch.Reply unknown =
        pouch.admin(
            "POST",
            "/api/apply",
            Map.of(
                "keys",
                List.of(Map.of("name", "a", "team", "ghosts", "provider", Map.of("id", "mock")))));
    TestPouch.Reply byId =
        pouch.admin(
            "POST",
            "/api/apply",
            Map.of(
                "keys",
                List.of(
                    Map.of("name", "a", "team_id", "team_x", "provider", Map.of("id", "mock")))));

    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body().path("error").path("param").asText()).isEqualTo("keys[0].team");
    assertThat(byId.status()).isEqualTo(400);
    assertThat(byId.body().path("error").path("param").asText()).isEqualTo("keys[0].team_id");
  }

  @Test
  void anExistingKeyMovesIntoATeamTheSameDocumentCreatesAndKeepsItsId() {
    TestPouch.CreatedTestKey key = pouch.createKey(KeyBody.mock("mover"));

    TestPouch.Reply reply =
        pouch.admin(
            "POST",
            "/api/apply",
            Map.of(
                "teams",
                List.of(Map.of("name", "crew", "budgets", List.of(Map.of("limit_micros", 1_000)))),
                "keys",
                List.of(
                    Map.of("name", "mover", "team", "crew", "provider", Map.of("id", "mock")))));

    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    JsonNode result = reply.body().path("keys").get(0);
    assertThat(result.path("action").asText()).isEqualTo("updated");
    assertThat(result.path("changed").toString()).isEqualTo("[\"team_id\"]");
    assertThat(result.has("key")).as("an update prints no secret").isFalse();
    String teamId = reply.body().path("teams").get(0).path("id").asText();
    assertThat(pouch.admin("GET", "/api/keys/" + key.id(), null).body().path("team_id").asText())
        .isEqualTo(teamId);
  }

  @Test
  void aDryRunPlansWithoutWriting() {
    TestPouch.Reply reply =
        pouch.admin("POST", "/api/apply", Map.of("keys", List.of(mockKey("a")), "dry_run", true));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().path("keys").get(0).path("action").asText()).isEqualTo("created");
    assertThat(reply.body().path("keys").get(0).has("key")).isFalse();
    assertThat(pouch.admin("GET", "/api/keys", null).body()).isEmpty();
  }
}
