package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/responses} over real HTTP, driven by the official openai-java SDK: against the
 * fake OpenAI upstream through an {@code openai} key (the ledger equals what the upstream served ×
 * the table's price, to the micro-dollar), and against the default mock.
 */
class ResponsesEndpointTest extends FakeUpstreamServerTest {
  private static final String TEXT = "the quick brown fox jumps over the lazy dog again and again";

  /** OpenAI's Java SDK pointed at Pouch, without its own retries (they would hide failures). */
  private OpenAIClient sdk(TestPouch.CreatedTestKey key) {
    return OpenAIOkHttpClient.builder()
        .apiKey(key.secret())
        .baseUrl(pouch.openAiBaseUrl())
        .maxRetries(0)
        .build();
  }

  private TestPouch.CreatedTestKey openAiKey(FakeUpstreamSettings settings, long budgetMicros) {
    startUpstream(settings);
    return upstreamKey(KeyBody.openAi("responses", "unused").budgetMicros(budgetMicros));
  }

  private static ResponseCreateParams.Builder params() {
    return ResponseCreateParams.builder()
        .model("gpt-4o-mini")
        .instructions("Answer briefly.")
        .input("Tell me about foxes.");
  }

  private static String text(Response response) {
    return response.output().get(0).asMessage().content().get(0).asOutputText().text();
  }

  private static Map<String, Object> body(Object... fields) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("input", "Tell me about foxes.");
    for (int i = 0; i < fields.length; i += 2) {
      body.put((String) fields[i], fields[i + 1]);
    }
    return body;
  }

  private TestPouch.Reply post(TestPouch.CreatedTestKey key, Map<String, Object> body) {
    return pouch.send("POST", "/v1/responses", key.bearer(), body);
  }

  /** The data of each event of a raw Responses stream. */
  private List<JsonNode> events(String raw) throws Exception {
    List<JsonNode> events = new java.util.ArrayList<>();
    for (String event : raw.split("\n\n")) {
      int data = event.indexOf("data: ");
      if (data >= 0) {
        events.add(pouch.json().readTree(event.substring(data + 6)));
      }
    }
    return events;
  }

  private JsonNode onlyRow(TestPouch.CreatedTestKey key) {
    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    assertThat(rows).hasSize(1);
    return rows.values().iterator().next();
  }

  private void awaitSettled(TestPouch.CreatedTestKey key) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while ((ServedCharges.rows(pouch, key).isEmpty()
            || pouch.budget(key.id()).get("reserved_micros").asLong() != 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  @Test
  void theSdkGetsPlainAndStreamedResponsesChargedWhatTheUpstreamServedToTheMicroDollar() {
    TestPouch.CreatedTestKey key =
        openAiKey(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT), 1_000_000);
    OpenAIClient client = sdk(key);

    Response plain = client.responses().create(params().build());
    StringBuilder streamed = new StringBuilder();
    Response completed = null;
    try (StreamResponse<ResponseStreamEvent> stream =
        client.responses().createStreaming(params().build())) {
      for (Iterator<ResponseStreamEvent> events = stream.stream().iterator(); events.hasNext(); ) {
        ResponseStreamEvent event = events.next();
        event.outputTextDelta().ifPresent(delta -> streamed.append(delta.delta()));
        if (event.completed().isPresent()) {
          completed = event.completed().get().response();
        }
      }
    }

    assertThat(plain.status()).hasValue(ResponseStatus.COMPLETED);
    assertThat(text(plain)).isEqualTo(TEXT);
    assertThat(streamed.toString()).isEqualTo(TEXT);
    assertThat(completed).isNotNull();
    long perRequest =
        ServedCharges.cost(
            plain.usage().orElseThrow().inputTokens(), plain.usage().orElseThrow().outputTokens());
    long served =
        upstream.servedByRequest().values().stream()
            .mapToLong(s -> ServedCharges.cost(s.promptTokens(), s.completionTokens()))
            .sum();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong())
        .isEqualTo(2 * perRequest)
        .isEqualTo(served);
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
    ServedCharges.rows(pouch, key)
        .values()
        .forEach(row -> assertThat(row.get("settlement").asText()).isEqualTo("usage_reported"));
    JsonNode sent = readJson(upstream.requestBodies().get(0));
    assertThat(sent.get("stream").asBoolean())
        .as("a plain request goes upstream as a stream")
        .isTrue();
  }

  private JsonNode readJson(String text) {
    try {
      return pouch.json().readTree(text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void withoutMaxOutputTokensTheLimitSentUpstreamIsWhatTheBudgetCanPay() {
    long limit = 600; // gpt-4o-mini output at $0.60 per million: under 1,000 tokens
    TestPouch.CreatedTestKey key =
        openAiKey(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT), limit);

    Response response = sdk(key).responses().create(params().build());

    assertThat(text(response)).isEqualTo(TEXT);
    long sentLimit =
        readJson(upstream.lastRequestBody().orElseThrow()).get("max_output_tokens").asLong();
    assertThat(sentLimit).isBetween(16L, 1_000L);
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isLessThanOrEqualTo(limit);
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void contextPouchCannotSeeFeeToolsAndBackgroundAreRefusedOnABudgetKeyNamingTheField() {
    TestPouch.CreatedTestKey key = openAiKey(FakeUpstreamSettings.DEFAULT, 1_000_000);
    Map<String, Map<String, Object>> refused = new LinkedHashMap<>();
    refused.put("previous_response_id", body("previous_response_id", "resp_1"));
    refused.put("conversation", body("conversation", "conv_1"));
    refused.put("tools[0]", body("tools", List.of(Map.of("type", "web_search"))));
    refused.put("background", body("background", true));
    refused.put("service_tier", body("service_tier", "priority"));

    refused.forEach(
        (param, body) -> {
          TestPouch.Reply reply = post(key, body);
          assertThat(reply.status()).as(param).isEqualTo(400);
          assertThat(reply.body().at("/error/param").asText()).as(param).isEqualTo(param);
          assertThat(reply.body().at("/error/type").asText()).isEqualTo("invalid_request_error");
          assertThat(reply.body().at("/error/message").asText()).isNotBlank();
        });
    assertThatThrownBy(
            () -> sdk(key).responses().create(params().previousResponseId("resp_1").build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("previous_response_id");

    assertThat(upstream.requestsReceived()).as("nothing went upstream").isZero();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isZero();
  }

  @Test
  void aKeyWithoutABudgetPassesThoseFieldsThrough() {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    TestPouch.CreatedTestKey key = upstreamKey(KeyBody.openAi("unlimited", "unused"));

    TestPouch.Reply reply = post(key, body("previous_response_id", "resp_1", "background", false));

    assertThat(reply.status())
        .as("an id Pouch never recorded goes upstream, which does not know it either")
        .isEqualTo(400);
    assertThat(reply.body().at("/error/code").asText()).isEqualTo("previous_response_not_found");
    assertThat(
            readJson(upstream.lastRequestBody().orElseThrow()).get("previous_response_id").asText())
        .isEqualTo("resp_1");
  }

  @Test
  void aStreamIsCutAtTheCapWhenTheUpstreamIgnoresTheLimit() throws Exception {
    TestPouch.CreatedTestKey key =
        openAiKey(
            FakeUpstreamSettings.DEFAULT.withResponseText(TEXT).withIgnoreMaxTokens(true),
            1_000_000);

    TestPouch.Reply reply = post(key, body("stream", true, "max_output_tokens", 5));

    List<JsonNode> events = events(reply.raw());
    long deltas =
        events.stream()
            .filter(e -> e.path("type").asText().equals("response.output_text.delta"))
            .count();
    JsonNode last = events.get(events.size() - 1);
    assertThat(deltas).isLessThanOrEqualTo(5 + 16);
    assertThat(last.path("type").asText()).isEqualTo("response.incomplete");
    assertThat(last.at("/response/incomplete_details/reason").asText())
        .isEqualTo("max_output_tokens");
    awaitSettled(key);
    assertThat(onlyRow(key).get("settlement").asText()).isEqualTo("capped");
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void aPlainAnswerPastTheCapComesBackIncomplete() throws Exception {
    TestPouch.CreatedTestKey key =
        openAiKey(
            FakeUpstreamSettings.DEFAULT.withResponseText(TEXT).withIgnoreMaxTokens(true),
            1_000_000);

    Response response = sdk(key).responses().create(params().maxOutputTokens(5).build());

    assertThat(response.status()).hasValue(ResponseStatus.INCOMPLETE);
    assertThat(response.incompleteDetails().orElseThrow().reason().orElseThrow().asString())
        .isEqualTo("max_output_tokens");
    assertThat(onlyRow(key).get("settlement").asText()).isEqualTo("capped");
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void aClientClosingAStreamSettlesChargingAtLeastWhatWasServed() throws Exception {
    TestPouch.CreatedTestKey key =
        openAiKey(
            FakeUpstreamSettings.DEFAULT
                .withChunkDelayMs(20)
                .withResponseText(String.join(" ", Collections.nCopies(2_000, "fox"))),
            1_000_000);

    int deltas = 0;
    try (StreamResponse<ResponseStreamEvent> stream =
        sdk(key).responses().createStreaming(params().build())) {
      Iterator<ResponseStreamEvent> events = stream.stream().iterator();
      while (deltas < 10 && events.hasNext()) {
        if (events.next().outputTextDelta().isPresent()) {
          deltas++;
        }
      }
    }
    awaitSettled(key);

    assertThat(deltas).isEqualTo(10);
    JsonNode row = onlyRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("client_closed");
    assertThat(row.get("cost_micros").asLong())
        .as("about what was produced, far below the reservation")
        .isLessThan(row.get("reserved_micros").asLong() / 10);
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void anUpstreamThatReportsNoUsageIsChargedItsCountAtLeastWhatItServed() throws Exception {
    TestPouch.CreatedTestKey key =
        openAiKey(
            FakeUpstreamSettings.DEFAULT.withResponseText(TEXT).withOmitUsage(true), 1_000_000);

    TestPouch.Reply plain = post(key, body("max_output_tokens", 50));
    TestPouch.Reply streamed = post(key, body("stream", true, "max_output_tokens", 50));

    assertThat(plain.status()).isEqualTo(200);
    assertThat(streamed.status()).isEqualTo(200);
    awaitSettled(key);
    ServedCharges.rows(pouch, key)
        .values()
        .forEach(row -> assertThat(row.get("settlement").asText()).isEqualTo("counted"));
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void aReasoningModelWithoutUsageIsChargedItsFullReservation() throws Exception {
    TestPouch.CreatedTestKey key =
        openAiKey(
            FakeUpstreamSettings.DEFAULT.withResponseText(TEXT).withOmitUsage(true), 1_000_000);

    TestPouch.Reply plain = post(key, body("model", "o3", "max_output_tokens", 50));
    TestPouch.Reply streamed =
        post(key, body("model", "o3", "stream", true, "max_output_tokens", 50));

    assertThat(plain.status()).isEqualTo(200);
    assertThat(streamed.status()).isEqualTo(200);
    awaitSettled(key);
    ServedCharges.rows(pouch, key)
        .values()
        .forEach(
            row -> {
              assertThat(row.get("settlement").asText()).isEqualTo("full_reservation");
              assertThat(row.get("cost_micros").asLong())
                  .isEqualTo(row.get("reserved_micros").asLong());
            });
  }

  @Test
  void usageThatCannotBeTrueIsChargedTheFullReservation() throws Exception {
    TestPouch.CreatedTestKey key =
        openAiKey(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT), 1_000_000);
    upstream.reportingUsage("{\"input_tokens\":5,\"output_tokens\":2,\"total_tokens\":99}");

    TestPouch.Reply reply = post(key, body("stream", true, "max_output_tokens", 50));

    assertThat(reply.status()).isEqualTo(200);
    awaitSettled(key);
    JsonNode row = onlyRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("implausible_usage");
    assertThat(row.get("cost_micros").asLong()).isEqualTo(row.get("reserved_micros").asLong());
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void aStreamThatBreaksOffEndsWithAnErrorEventAndIsCharged() throws Exception {
    TestPouch.CreatedTestKey key =
        openAiKey(
            FakeUpstreamSettings.DEFAULT.withResponseText(TEXT).withFailAfterChunks(3), 1_000_000);

    TestPouch.Reply reply = post(key, body("stream", true, "max_output_tokens", 50));

    List<JsonNode> events = events(reply.raw());
    JsonNode last = events.get(events.size() - 1);
    assertThat(last.path("type").asText()).isEqualTo("error");
    assertThat(last.path("sequence_number").isIntegralNumber()).isTrue();
    awaitSettled(key);
    JsonNode row = onlyRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("full_reservation");
    assertThat(row.get("cost_micros").asLong()).isEqualTo(row.get("reserved_micros").asLong());
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void aStopCutsAResponsesStreamWithTheResponsesErrorEventAndLeavesNothingReserved(
      @TempDir Path otherData) throws Exception {
    TestPouch stopping =
        TestPouch.start(
            otherData,
            config ->
                config.withOperations(
                    config.operations().withShutdownGrace(Duration.ofSeconds(1))));
    TestPouch.CreatedTestKey key =
        stopping.createKey(
            KeyBody.mock("endless")
                .prices("1", "1")
                .budgetMicros(1_000_000)
                .providerSetting("stream_chunk_delay_ms", 200));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(stopping.openAiBaseUrl() + "/responses"))
            .header("Authorization", key.bearer())
            .POST(
                HttpRequest.BodyPublishers.ofByteArray(
                    stopping.json().writeValueAsBytes(body("stream", true))))
            .build();
    HttpResponse<InputStream> response =
        stopping.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
    List<String> received = new ArrayList<>();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      assertThat(lines.readLine()).isEqualTo("event: response.created");
      CompletableFuture<Void> stop = CompletableFuture.runAsync(stopping::close);
      String line;
      while ((line = lines.readLine()) != null) {
        if (!line.isEmpty()) {
          received.add(line);
        }
      }
      stop.get(30, TimeUnit.SECONDS);
    }

    assertThat(received.get(received.size() - 2)).isEqualTo("event: error");
    JsonNode error = pouch.json().readTree(received.get(received.size() - 1).substring(6));
    assertThat(error.get("type").asText()).isEqualTo("error");
    assertThat(error.get("code").asText()).isEqualTo("server_shutting_down");
    assertThat(received).noneMatch(l -> l.contains("[DONE]"));
  }

  @Test
  void theDefaultMockAnswersTheResponsesApiAndChargesItsUsage() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.mock("mock").prices("10", "20").budgetMicros(1_000_000));
    OpenAIClient client = sdk(key);

    Response plain = client.responses().create(params().build());
    StringBuilder streamed = new StringBuilder();
    try (StreamResponse<ResponseStreamEvent> stream =
        client.responses().createStreaming(params().build())) {
      stream.stream().forEach(e -> e.outputTextDelta().ifPresent(d -> streamed.append(d.delta())));
    }

    assertThat(streamed.toString()).isEqualTo(text(plain));
    long input = plain.usage().orElseThrow().inputTokens();
    long output = plain.usage().orElseThrow().outputTokens();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong())
        .isEqualTo(2 * OpenAiSdkClientTest.costMicros(input, 10_000_000, output, 20_000_000));
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
  }
}
