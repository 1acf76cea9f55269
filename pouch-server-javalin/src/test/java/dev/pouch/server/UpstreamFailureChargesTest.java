package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream.Quirk;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A request is refunded only when the upstream provably did not process it: it was never sent, or
 * the upstream refused it with a 4xx. Every other failure is charged what can be bounded, never 0
 * (issue 17, holes 2, 5 and 6; G6 and G11). Each case runs plain and streamed against a fake
 * upstream that tallies what it served each request.
 */
class UpstreamFailureChargesTest extends FakeUpstreamServerTest {

  private TestPouch.CreatedTestKey key(FakeUpstreamSettings settings, Quirk... quirks) {
    startUpstream(settings).withQuirks(quirks);
    return pouch.createKey(
        KeyBody.openAi("failing", upstream.baseUrl())
            .providerSetting("timeout_seconds", 1)
            .budgetMicros(1_000_000));
  }

  private static Map<String, Object> chat(boolean stream) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("messages", List.of(Map.of("role", "user", "content", "Tell me about budgets.")));
    body.put("max_tokens", 20);
    if (stream) {
      body.put("stream", true);
    }
    return body;
  }

  /** Sends one plain and one streamed request; returns their replies. */
  private List<TestPouch.Reply> plainAndStreamed(TestPouch.CreatedTestKey key) {
    return List.of(pouch.chat(key, chat(false)), pouch.chat(key, chat(true)));
  }

  /** Every row of the key is charged its full reservation (not 0), and covers what was served. */
  private void assertChargedTheirReservation(TestPouch.CreatedTestKey key, int rows) {
    Map<String, JsonNode> log = ServedCharges.rows(pouch, key);
    assertThat(log).hasSize(rows);
    for (JsonNode row : log.values()) {
      assertThat(row.get("cost_micros").asLong())
          .as("charged, never refunded: %s", row)
          .isPositive()
          .isEqualTo(row.get("reserved_micros").asLong());
      assertThat(row.get("settlement").asText()).isEqualTo("full_reservation");
    }
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void aReadTimeoutAfterTheRequestWasWrittenIsCharged() {
    TestPouch.CreatedTestKey key = key(FakeUpstreamSettings.DEFAULT.withHang(true));

    List<TestPouch.Reply> replies = plainAndStreamed(key);

    assertThat(replies).extracting(TestPouch.Reply::status).containsOnly(504);
    assertChargedTheirReservation(key, 2);
  }

  @Test
  void aConnectionDroppedAfterTheRequestWasDeliveredIsCharged() {
    TestPouch.CreatedTestKey key = key(FakeUpstreamSettings.DEFAULT, Quirk.DROP_AFTER_REQUEST);

    List<TestPouch.Reply> replies = plainAndStreamed(key);

    assertThat(replies).extracting(TestPouch.Reply::status).containsOnly(502);
    assertThat(upstream.requestsReceived()).as("sent once each, never retried").isEqualTo(2);
    assertChargedTheirReservation(key, 2);
  }

  @Test
  void anAnswerThatBrokeOffAfterItsHeadIsCharged() {
    TestPouch.CreatedTestKey key = key(FakeUpstreamSettings.DEFAULT, Quirk.BREAK_AFTER_HEAD);

    TestPouch.Reply plain = pouch.chat(key, chat(false));
    TestPouch.Reply streamed = pouch.chat(key, chat(true));

    assertThat(plain.status()).isEqualTo(502);
    assertThat(plain.errorType()).isEqualTo("upstream_error");
    assertThat(streamed.status()).isEqualTo(200); // the head was passed on before the break
    assertThat(streamed.raw()).contains("\"upstream_error\"");
    assertChargedTheirReservation(key, 2);
  }

  @Test
  void aRedirectIsNeverFollowedAndIsAnsweredAsAnUpstreamError() {
    TestPouch.CreatedTestKey key = key(FakeUpstreamSettings.DEFAULT, Quirk.REDIRECT);

    List<TestPouch.Reply> replies = plainAndStreamed(key);

    assertThat(replies).extracting(TestPouch.Reply::status).containsOnly(502);
    assertThat(replies).extracting(TestPouch.Reply::errorType).containsOnly("upstream_error");
    assertThat(upstream.requestsReceived())
        .as("each request reached the upstream once")
        .isEqualTo(2);
    assertChargedTheirReservation(key, 2);
  }

  @Test
  void aStreamThatEndsWithoutDoneUsageOrFinishReasonIsChargedItsReservation() {
    TestPouch.CreatedTestKey key =
        key(
            FakeUpstreamSettings.DEFAULT.withResponseText("one two three four five"),
            Quirk.UNFINISHED_STREAM);

    TestPouch.Reply plain = pouch.chat(key, chat(false));
    TestPouch.Reply streamed = pouch.chat(key, chat(true));

    assertThat(plain.status()).isEqualTo(502);
    assertThat(streamed.raw()).contains("\"upstream_error\"").endsWith("data: [DONE]\n\n");
    assertChargedTheirReservation(key, 2);
  }

  @Test
  void aStreamThatEndsWithAnErrorEventIsChargedItsReservation() {
    TestPouch.CreatedTestKey key =
        key(
            FakeUpstreamSettings.DEFAULT.withResponseText("one two three four five"),
            Quirk.ERROR_EVENT);

    TestPouch.Reply plain = pouch.chat(key, chat(false));
    TestPouch.Reply streamed = pouch.chat(key, chat(true));

    assertThat(plain.status()).isEqualTo(502);
    assertThat(streamed.raw()).contains("server_error");
    assertChargedTheirReservation(key, 2);
  }

  @Test
  void aRefusedConnectionIsRefundedBecauseNothingWasSent() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.openAi("refused", "http://127.0.0.1:" + closedPort + "/v1")
                .budgetMicros(1_000_000));

    List<TestPouch.Reply> replies = plainAndStreamed(key);

    assertThat(replies).extracting(TestPouch.Reply::status).containsOnly(502);
    Map<String, JsonNode> log = ServedCharges.rows(pouch, key);
    assertThat(log.values())
        .extracting(row -> row.get("settlement").asText())
        .containsOnly("refunded");
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isZero();
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
  }
}
