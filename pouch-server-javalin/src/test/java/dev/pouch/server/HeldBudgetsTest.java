package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/pouch/budgets}: a key holder reads, with the app key, the budgets the key pays
 * from (its own, then its team's) and what is left in each; never another key's, never without a
 * key.
 */
class HeldBudgetsTest {
  @TempDir Path data;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));

  private static Map<String, Object> budget(long limit, long period) {
    return Map.of("limit_micros", limit, "reset_period_seconds", period);
  }

  private static Map<String, Object> chat() {
    return Map.of(
        "model",
        "m",
        "max_tokens",
        8,
        "messages",
        List.of(Map.of("role", "user", "content", "hi")));
  }

  @Test
  void aHolderSeesItsKeysAndItsTeamsBudgetsWithWhatIsLeft() {
    try (TestPouch pouch = TestPouch.start(data, clock)) {
      TestPouch.Reply team =
          pouch.admin(
              "POST",
              "/api/teams",
              Map.of("name", "research", "budgets", List.of(budget(5_000_000, 2_592_000))));
      assertThat(team.status()).as(team.raw()).isEqualTo(201);
      TestPouch.CreatedTestKey key =
          pouch.createKey(
              KeyBody.mock("holder")
                  .prices("1000", "1000")
                  .set("team_id", team.body().get("id").asText())
                  .set("budgets", List.of(budget(1_000_000, 86_400), budget(0, 0))));
      TestPouch.CreatedTestKey other =
          pouch.createKey(KeyBody.mock("other").prices("1000", "1000").budgetMicros(7_000));
      assertThat(pouch.chat(key, chat()).status()).isEqualTo(200);
      long spent = pouch.budget(key.id()).get("spent_micros").asLong();
      assertThat(spent).isPositive();

      TestPouch.Reply mine = pouch.send("GET", "/v1/pouch/budgets", key.bearer(), null);

      assertThat(mine.status()).as(mine.raw()).isEqualTo(200);
      JsonNode data = mine.body().get("data");
      assertThat(data).hasSize(3);
      assertThat(data.get(0).get("owner").asText()).isEqualTo("key");
      assertThat(data.get(0).get("owner_name").asText()).isEqualTo("holder");
      assertThat(data.get(0).get("spent_micros").asLong()).isEqualTo(spent);
      assertThat(data.get(0).get("remaining_micros").asLong()).isEqualTo(1_000_000 - spent);
      assertThat(data.get(0).get("period_ends_at").asText()).isEqualTo("2026-12-02T00:00:00Z");
      assertThat(data.get(1).get("position").asInt()).isEqualTo(1);
      assertThat(data.get(1).get("remaining_micros").isNull()).as("no limit").isTrue();
      assertThat(data.get(2).get("owner").asText()).isEqualTo("team");
      assertThat(data.get(2).get("owner_name").asText()).isEqualTo("research");
      assertThat(data.get(2).get("remaining_micros").asLong()).isEqualTo(5_000_000 - spent);
      assertThat(mine.raw()).doesNotContain(other.id()).doesNotContain("\"other\"");

      TestPouch.Reply theirs = pouch.send("GET", "/v1/pouch/budgets", other.bearer(), null);
      assertThat(theirs.body().get("data")).hasSize(1);
      assertThat(theirs.body().at("/data/0/limit_micros").asLong()).isEqualTo(7_000);
    }
  }

  @Test
  void aPeriodThatIsOverShowsAsTheNextRequestWillFindIt() {
    try (TestPouch pouch = TestPouch.start(data, clock)) {
      TestPouch.CreatedTestKey key =
          pouch.createKey(
              KeyBody.mock("daily")
                  .prices("1000", "1000")
                  .budgetMicros(1_000_000)
                  .resetPeriodSeconds(86_400));
      assertThat(pouch.chat(key, chat()).status()).isEqualTo(200);

      clock.advance(Duration.ofHours(25));
      JsonNode budget =
          pouch.send("GET", "/v1/pouch/budgets", key.bearer(), null).body().at("/data/0");

      assertThat(budget.get("spent_micros").asLong()).isZero();
      assertThat(budget.get("remaining_micros").asLong()).isEqualTo(1_000_000);
      assertThat(budget.get("period_started_at").asText()).isEqualTo("2026-12-02T00:00:00Z");
    }
  }

  @Test
  void withoutAValidKeyTheRouteIsRefusedInOpenAisShape() {
    try (TestPouch pouch = TestPouch.start(data, clock)) {
      TestPouch.Reply refused = pouch.send("GET", "/v1/pouch/budgets", "Bearer pa-nope", null);

      assertThat(refused.status()).isEqualTo(401);
      assertThat(refused.errorCode()).isEqualTo("invalid_api_key");
    }
  }
}
