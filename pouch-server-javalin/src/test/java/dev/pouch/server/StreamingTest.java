package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Streams over real HTTP: pass-through as it happens, cut at the cap, failures, disconnects. */
class StreamingTest extends ServerTest {

  private static Map<String, Object> streamRequest(Integer maxTokens) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("model", "m");
    body.put("stream", true);
    body.put("messages", List.of(Map.of("role", "user", "content", "stream to me")));
    if (maxTokens != null) {
      body.put("max_tokens", maxTokens);
    }
    return body;
  }

  private static List<String> events(String raw) {
    List<String> events = new ArrayList<>();
    for (String block : raw.split("\n\n")) {
      if (block.startsWith("data: ")) {
        events.add(block.substring("data: ".length()).strip());
      }
    }
    return events;
  }

  private String contentOf(List<String> events) throws Exception {
    StringBuilder text = new StringBuilder();
    for (String event : events) {
      if (event.startsWith("{")) {
        for (JsonNode choice : pouch.json().readTree(event).path("choices")) {
          text.append(choice.path("delta").path("content").asText(""));
        }
      }
    }
    return text.toString();
  }

  @Test
  void theFirstChunkReachesTheClientBeforeTheNextIsProduced() throws Exception {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.mock("slow").providerSetting("stream_chunk_delay_ms", 700));
    HttpResponse<InputStream> response = pouch.openStream(key, streamRequest(3));
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String first = lines.readLine();
      long firstSeen = System.nanoTime();
      assertThat(first).startsWith("data: {");
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
      String line;
      String last = null;
      while ((line = lines.readLine()) != null) {
        if (!line.isEmpty()) {
          last = line;
        }
      }
      long restMillis = (System.nanoTime() - firstSeen) / 1_000_000;
      assertThat(last).isEqualTo("data: [DONE]");
      // The mock waits 700 ms before each later event (at least two here). Had the first chunk
      // been held back with them, the rest would follow it at once; a lower bound on the time
      // after it stays true however slow the machine is.
      assertThat(restMillis).isGreaterThanOrEqualTo(1_200);
    }
  }

  @Test
  void anUpstreamThatIgnoresMaxTokensIsCutAtTheCapAndNeverOverspends() throws Exception {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("greedy")
                .prices("1", "100")
                .providerSetting("ignore_max_tokens", true)
                .budgetMicros(1_000_000));

    TestPouch.Reply reply = pouch.chat(key, streamRequest(5));

    List<String> events = events(reply.raw());
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    assertThat(contentOf(events).strip().split(" ")).hasSizeLessThanOrEqualTo(5);
    JsonNode row = pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body().get(0);
    assertThat(row.get("settlement").asText()).isEqualTo("capped");
    assertThat(row.get("overrun_micros").asLong()).isZero();
    assertThat(row.get("cost_micros").asLong())
        .isLessThanOrEqualTo(row.get("reserved_micros").asLong());
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
  }

  @Test
  void anUpstreamFailureMidStreamEndsWithAnErrorEventAndSettlesOnce() throws Exception {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("flaky")
                .prices("1", "1")
                .providerSetting("fail_after_chunks", 3)
                .budgetMicros(1_000_000));

    TestPouch.Reply reply = pouch.chat(key, streamRequest(null));

    List<String> events = events(reply.raw());
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    JsonNode error = pouch.json().readTree(events.get(events.size() - 2));
    assertThat(error.path("error").path("message").asText()).isNotBlank();
    JsonNode log = pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body();
    assertThat(log).hasSize(1);
    assertThat(log.get(0).get("error_code").asText()).isEqualTo("upstream_error");
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong())
        .isEqualTo(log.get(0).get("cost_micros").asLong());
  }

  @Test
  void aClientThatDisconnectsMidStreamIsSettledOnceAndNothingStaysReserved() throws Exception {
    // 2,000 tokens 100 ms apart: served to the end only after minutes
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("leaver")
                .prices("1", "1")
                .providerSetting("stream_chunk_delay_ms", 100)
                .providerSetting("response_text", String.join(" ", Collections.nCopies(2_000, "w")))
                .budgetMicros(1_000_000));
    HttpResponse<InputStream> response = pouch.openStream(key, streamRequest(null));
    try (InputStream body = response.body()) {
      assertThat(body.read()).isNotNegative(); // the first bytes arrived; now walk away
    }

    JsonNode budget = waitForSettlement(key.id());
    assertThat(budget.get("reserved_micros").asLong()).isZero();
    JsonNode log = pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body();
    assertThat(log).hasSize(1);
    assertThat(log.get(0).get("error_code").asText()).isEqualTo("client_closed");
    assertThat(budget.get("spent_micros").asLong())
        .isEqualTo(log.get(0).get("cost_micros").asLong());
    assertThat(log.get(0).get("completion_tokens").asLong())
        .as("stopped early, not served to the end")
        .isLessThan(2_000);
  }

  private JsonNode waitForSettlement(String keyId) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonNode budget = pouch.budget(keyId);
    while (budget.get("reserved_micros").asLong() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      budget = pouch.budget(keyId);
    }
    return budget;
  }
}
