package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Request-log retention over HTTP on a real SQLite file: after the rows are pruned, {@code GET
 * /api/usage} answers exactly what it answered before (the hourly totals are kept), while {@code
 * GET /api/requests} no longer lists them.
 */
class RequestLogRetentionTest extends ServerTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final Map<String, Object> HELLO =
      Map.of(
          "model",
          "m",
          "max_tokens",
          4,
          "messages",
          List.of(Map.of("role", "user", "content", "hello")));

  private final MutableClock clock = new MutableClock(START);

  @Override
  TestPouch start(Path dataDir) {
    return TestPouch.start(
        TestPouch.config(dataDir)
            .withOperations(OperationsConfig.DEFAULTS.withRequestLogRetention(Duration.ofDays(7))),
        clock);
  }

  private JsonNode usage(String query) {
    TestPouch.Reply reply = pouch.admin("GET", "/api/usage?" + query, null);
    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    return reply.body().get("data");
  }

  @Test
  void theUsageApiAnswersTheSameAfterTheRowsArePruned() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("kept")
                .prices("1000", "1000")
                .budgetMicros(10_000_000)
                .allowedModels("m"));
    int rows = 0;
    // at the start, 90 minutes later and 30 hours later
    for (Duration step : List.of(Duration.ZERO, Duration.ofMinutes(90), Duration.ofMinutes(1710))) {
      clock.advance(step);
      assertThat(pouch.chat(key, HELLO).status()).isEqualTo(200);
      assertThat(pouch.chat(key, HELLO).status()).isEqualTo(200);
      // a refusal of a well-formed request is logged too, at cost 0
      assertThat(
              pouch.chat(key, Map.of("model", "other", "messages", HELLO.get("messages"))).status())
          .isEqualTo(403);
      rows += 3;
    }
    String range = "from=" + START + "&to=" + START.plus(Duration.ofDays(3));
    String hourly = "bucket=hour&key_id=" + key.id() + "&" + range;
    String daily = "bucket=day&" + range;
    JsonNode hourlyBefore = usage(hourly);
    JsonNode dailyBefore = usage(daily);
    assertThat(hourlyBefore).hasSize(3);
    assertThat(hourlyBefore.at("/0/requests").asLong()).isEqualTo(3);
    assertThat(dailyBefore.at("/0/cost_micros").asLong()).isPositive();
    assertThat(pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body()).hasSize(rows);

    clock.advance(Duration.between(clock.instant(), START.plus(Duration.ofDays(9))));
    long pruned = pouch.server().pruneRequestLogNow();

    assertThat(pruned).isEqualTo(rows);
    assertThat(pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body()).isEmpty();
    assertThat(usage(hourly)).isEqualTo(hourlyBefore);
    assertThat(usage(daily)).isEqualTo(dailyBefore);
    assertThat(usage("bucket=day"))
        .as("the default chart: the last 30 days")
        .isEqualTo(dailyBefore);
    assertThat(pouch.server().pruneRequestLogNow()).isZero();
  }

  @Test
  void retentionIsOffByDefaultAndAtLeastADay() {
    assertThat(OperationsConfig.DEFAULTS.requestLogRetention()).isZero();
    assertThatThrownBy(
            () -> ServerConfig.parse(new String[] {"--request-log-retention-days", "-1"}, Map.of()))
        .hasMessageContaining("request-log-retention-days");
    assertThat(
            ServerConfig.parse(new String[] {"--request-log-retention-days", "30"}, Map.of())
                .operations()
                .requestLogRetention())
        .isEqualTo(Duration.ofDays(30));
  }
}
