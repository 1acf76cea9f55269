package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} beyond Pouch's own meters, scraped as Prometheus does: the JVM and the process,
 * upstream failures by kind, and per-key series bounded by {@code --metrics-key-series}.
 */
class MetricsSeriesTest extends ServerTest {
  @Override
  TestPouch start(Path dataDir) {
    return TestPouch.start(
        dataDir, config -> config.withOperations(config.operations().withMetricsKeySeries(1)));
  }

  private String scrape() {
    TestPouch.Reply reply = pouch.send("GET", "/metrics", null, null);
    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    return reply.raw();
  }

  /** The values of the samples whose name and labels start as given. */
  private static List<Double> samples(String scrape, String nameAndLabels) {
    List<Double> values = new ArrayList<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith(nameAndLabels)) {
        values.add(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
      }
    }
    return values;
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
  void theJvmAndTheProcessAreMeasured() {
    String metrics = scrape();

    assertThat(metrics)
        .contains("jvm_memory_used_bytes{")
        .contains("jvm_threads_live_threads")
        .contains("process_cpu_usage")
        .contains("process_uptime_seconds")
        .contains("process_files_open_files");
  }

  @Test
  void theFirstKeysToSpendGetTheirOwnSeriesAndTheRestAreSummedUnderOther() {
    TestPouch.CreatedTestKey first =
        pouch.createKey(KeyBody.mock("first").prices("1000", "1000").budgetMicros(1_000_000));
    TestPouch.CreatedTestKey second =
        pouch.createKey(KeyBody.mock("second").prices("1000", "1000").budgetMicros(1_000_000));

    assertThat(pouch.chat(first, chat()).status()).isEqualTo(200);
    assertThat(pouch.chat(second, chat()).status()).isEqualTo(200);
    assertThat(pouch.chat(second, chat()).status()).isEqualTo(200);

    String metrics = scrape();
    long firstSpent = pouch.budget(first.id()).get("spent_micros").asLong();
    long secondSpent = pouch.budget(second.id()).get("spent_micros").asLong();
    assertThat(samples(metrics, "pouch_key_spend_micros_total{key=\"" + first.id() + "\"}"))
        .containsExactly((double) firstSpent);
    assertThat(samples(metrics, "pouch_key_spend_micros_total{key=\"other\"}"))
        .containsExactly((double) secondSpent);
    assertThat(samples(metrics, "pouch_key_spend_micros_total{key=\"" + second.id() + "\"}"))
        .as("past the bound, a key has no series of its own")
        .isEmpty();
    assertThat(samples(metrics, "pouch_key_budget_remaining_micros{key=\"" + first.id() + "\"}"))
        .containsExactly((double) (1_000_000 - firstSpent));
  }

  @Test
  void anUnreachableUpstreamIsCountedByKind() {
    TestPouch.CreatedTestKey key = pouch.createKey(KeyBody.openAi("down", "http://127.0.0.1:1/v1"));
    Map<String, Object> body =
        Map.of(
            "model",
            "gpt-4o-mini",
            "max_tokens",
            8,
            "messages",
            List.of(Map.of("role", "user", "content", "hi")));

    assertThat(pouch.chat(key, body).status()).isEqualTo(502);

    assertThat(
            samples(
                scrape(), "pouch_upstream_errors_total{kind=\"unreachable\",provider=\"openai\"}"))
        .containsExactly(1.0);
  }

  @Test
  void aRequestServedByAFallbackIsCountedUnderTheFallbacksProvider() {
    try (FakeAnthropicUpstream claude = FakeAnthropicUpstream.start()) {
      TestPouch.CreatedTestKey key =
          pouch.createKey(
              KeyBody.openAi("down-then-claude", "http://127.0.0.1:1/v1")
                  .fallback(
                      "anthropic",
                      claude.baseUrl(),
                      "sk-ant-test-upstream-secret",
                      AnthropicSdkClientTest.MODEL));
      Map<String, Object> body =
          Map.of(
              "model",
              "gpt-4o-mini",
              "max_tokens",
              8,
              "messages",
              List.of(Map.of("role", "user", "content", "hi")));

      assertThat(pouch.chat(key, body).status()).isEqualTo(200);

      String metrics = scrape();
      assertThat(
              metrics
                  .lines()
                  .filter(line -> line.startsWith("pouch_upstream_latency_seconds_count{"))
                  .filter(line -> line.contains("provider=\"anthropic\""))
                  .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' '))))
                  .sum())
          .as(metrics)
          .isEqualTo(1.0);
      assertThat(metrics)
          .doesNotContain("pouch_upstream_latency_seconds_count{provider=\"openai\"");
    }
  }
}
