package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream.Quirk;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upstream that ignores {@code max_tokens} and generates as fast as it can, until the cancel
 * reaches it (FINANCIAL_SAFETY.md, known limits). Pouch cuts it at the cap and charges every chunk
 * it received, those still buffered when it cut included; a charge above the reservation is an
 * overrun the operator sees as a metric and a spend-guard notice. What the upstream produced past
 * that, before the cancel reached it, Pouch cannot see: this test logs how far it went.
 */
class OverrunPastTheCutTest extends FakeUpstreamServerTest {
  private static final Logger log = LoggerFactory.getLogger(OverrunPastTheCutTest.class);
  private static final int CAP = 20;
  private static final int MARGIN = 16;
  private static final int REQUESTS = 30;

  private static Map<String, Object> chat(boolean stream) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("messages", List.of(Map.of("role", "user", "content", "Go on forever.")));
    body.put("max_tokens", CAP);
    if (stream) {
      body.put("stream", true);
    }
    return body;
  }

  @Test
  void aRunawayUpstreamIsCutChargedEveryChunkReceivedAndOverrunsReachTheOperator()
      throws Exception {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText("on and on"))
        .withQuirks(Quirk.RUNAWAY);
    try (WebhookReceiver hook = new WebhookReceiver()) {
      TestPouch.CreatedTestKey key =
          pouch.createKey(
              KeyBody.openAi("runaway", upstream.baseUrl())
                  .budgetMicros(10_000_000)
                  .middleware("spend_guard", Map.of("webhook_url", hook.url())));

      for (int i = 0; i < REQUESTS; i++) {
        TestPouch.Reply reply = pouch.chat(key, chat(i % 2 == 0));
        assertThat(reply.status()).isEqualTo(200);
      }

      Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
      assertThat(rows).hasSize(REQUESTS);
      long overruns = 0;
      long overrunMicros = 0;
      for (JsonNode row : rows.values()) {
        assertThat(row.get("settlement").asText()).isEqualTo("capped");
        assertThat(row.get("completion_tokens").asLong()).as("cut past the cap").isGreaterThan(CAP);
        long charged = row.get("cost_micros").asLong();
        long reserved = row.get("reserved_micros").asLong();
        assertThat(charged).isGreaterThanOrEqualTo(reserved);
        assertThat(row.get("overrun_micros").asLong()).isEqualTo(charged - reserved);
        if (charged > reserved) {
          overruns++;
          overrunMicros += charged - reserved;
        }
      }
      // every cut means an upstream that ignores max_tokens: the operator hears of it once a minute
      JsonNode notice = hook.next();
      assertThat(notice.get("type").asText()).isEqualTo("spend_guard.overrun");
      assertThat(notice.get("settlement").asText()).isEqualTo("capped");
      assertThat(notice.get("key_id").asText()).isEqualTo(key.id());
      assertThat(hook.drain()).as("at most one notice a minute").isEmpty();
      String metrics = pouch.send("GET", "/metrics", null, null).raw();
      assertThat(metrics)
          .contains("pouch_settlements_total{basis=\"capped\"} " + (double) REQUESTS);
      if (overruns > 0) {
        assertThat(metrics)
            .contains("pouch_overrun_micros_total{provider=\"openai\"} " + (double) overrunMicros);
      }

      long deadline = System.nanoTime() + 30_000_000_000L;
      while (upstream.streamsAborted() < REQUESTS && System.nanoTime() < deadline) {
        Thread.sleep(20); // the upstream stops when it finds the connection closed
      }
      assertThat(upstream.streamsAborted())
          .as("every runaway stream was stopped")
          .isEqualTo(REQUESTS);
      List<Long> pastTheReservation = new ArrayList<>();
      upstream
          .servedByRequest()
          .forEach(
              (id, served) -> pastTheReservation.add(served.completionTokens() - (CAP + MARGIN)));
      Collections.sort(pastTheReservation);
      log.atInfo()
          .addKeyValue("requests", REQUESTS)
          .addKeyValue("overruns_seen", overruns)
          .addKeyValue("median_tokens_past_reservation", pastTheReservation.get(REQUESTS / 2))
          .addKeyValue("max_tokens_past_reservation", pastTheReservation.get(REQUESTS - 1))
          .log("a runaway upstream, served past what the reservation pays for");
    }
  }
}
