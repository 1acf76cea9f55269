package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import dev.pouch.adapters.mock.upstream.IdleClosingUpstream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keys bound to the {@code openai} provider, against a fake OpenAI upstream over real HTTP: what
 * the client sees, and what the budget is charged, on every path.
 */
class OpenAiUpstreamTest extends ServerTest {
  private static final String TEXT = "the quick brown fox jumps over the lazy dog again and again";
  // gpt-4o-mini in the bundled table: $0.15 / $0.60 per million tokens
  private static final long INPUT_PER_MTOK = 150_000;
  private static final long OUTPUT_PER_MTOK = 600_000;

  private FakeOpenAiUpstream upstream;

  @AfterEach
  void stopUpstream() {
    if (upstream != null) {
      upstream.close();
    }
  }

  private TestPouch.CreatedTestKey keyFor(FakeUpstreamSettings settings, long budgetMicros) {
    upstream = FakeOpenAiUpstream.start(0, settings.withResponseText(TEXT));
    return pouch.createKey(
        KeyBody.openAi("openai-key", upstream.baseUrl()).budgetMicros(budgetMicros));
  }

  private static Map<String, Object> chat(boolean stream, Integer maxTokens, boolean includeUsage) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("messages", List.of(Map.of("role", "user", "content", "Tell me about foxes.")));
    if (maxTokens != null) {
      body.put("max_tokens", maxTokens);
    }
    if (stream) {
      body.put("stream", true);
      if (includeUsage) {
        body.put("stream_options", Map.of("include_usage", true));
      }
    }
    return body;
  }

  private static String readLine(BufferedReader reader) {
    try {
      return reader.readLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** OpenAI's Java SDK pointed at Pouch, without its own retries (they would hide failures). */
  private OpenAIClient officialClient(TestPouch.CreatedTestKey key) {
    return OpenAIOkHttpClient.builder()
        .apiKey(key.secret())
        .baseUrl(pouch.openAiBaseUrl())
        .maxRetries(0)
        .build();
  }

  private JsonNode onlyLogRow(TestPouch.CreatedTestKey key) {
    JsonNode rows = pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body();
    assertThat(rows).hasSize(1);
    return rows.get(0);
  }

  private long spent(TestPouch.CreatedTestKey key) {
    return pouch.budget(key.id()).get("spent_micros").asLong();
  }

  private long reserved(TestPouch.CreatedTestKey key) {
    return pouch.budget(key.id()).get("reserved_micros").asLong();
  }

  @Test
  void theOfficialSdkGetsPlainAndStreamedAnswersChargedAtTheTablePrice() {
    TestPouch.CreatedTestKey key = keyFor(FakeUpstreamSettings.DEFAULT, 1_000_000);
    OpenAIClient client = officialClient(key);
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder()
            .model("gpt-4o-mini")
            .addUserMessage("Tell me about foxes.")
            .build();

    ChatCompletion plain = client.chat().completions().create(params);
    StringBuilder streamed = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      stream.stream()
          .forEach(
              c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
    }

    assertThat(plain.choices().get(0).message().content()).contains(TEXT);
    assertThat(streamed.toString()).isEqualTo(TEXT);
    long prompt = plain.usage().orElseThrow().promptTokens();
    long output = plain.usage().orElseThrow().completionTokens();
    long perRequest =
        OpenAiSdkClientTest.costMicros(prompt, INPUT_PER_MTOK, output, OUTPUT_PER_MTOK);
    assertThat(spent(key)).isEqualTo(2 * perRequest);
    assertThat(reserved(key)).isZero();
    assertThat(upstream.lastAuthorization()).contains("Bearer sk-test-upstream-secret");
    JsonNode rows = pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body();
    for (JsonNode row : rows) {
      assertThat(row.get("settlement").asText()).isEqualTo("usage_reported");
      assertThat(row.get("priced_as").asText()).isNotBlank();
    }
  }

  @Test
  void aClientThatDidNotAskForUsageSeesNoneYetPouchMetersTheUpstreamsUsage() throws Exception {
    TestPouch.CreatedTestKey key = keyFor(FakeUpstreamSettings.DEFAULT, 1_000_000);

    TestPouch.Reply reply = pouch.chat(key, chat(true, null, false));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.raw()).doesNotContain("usage").endsWith("data: [DONE]\n\n");
    assertThat(
            pouch
                .json()
                .readTree(upstream.lastRequestBody().orElseThrow())
                .at("/stream_options/include_usage")
                .asBoolean())
        .as("Pouch asked the upstream for usage")
        .isTrue();
    assertThat(onlyLogRow(key).get("settlement").asText()).isEqualTo("usage_reported");
    assertThat(spent(key)).isPositive();
  }

  @Test
  void aClientThatAskedForUsageGetsTheUsageChunk() throws Exception {
    TestPouch.CreatedTestKey key = keyFor(FakeUpstreamSettings.DEFAULT, 1_000_000);

    TestPouch.Reply reply = pouch.chat(key, chat(true, null, true));

    JsonNode usage = BudgetUnderConcurrencyTest.usageOf(reply);
    long expected =
        OpenAiSdkClientTest.costMicros(
            usage.get("prompt_tokens").asLong(),
            INPUT_PER_MTOK,
            usage.get("completion_tokens").asLong(),
            OUTPUT_PER_MTOK);
    assertThat(spent(key)).isEqualTo(expected);
  }

  @Test
  void anUpstreamThatSendsNoUsageIsCounted() {
    TestPouch.CreatedTestKey key =
        keyFor(FakeUpstreamSettings.DEFAULT.withOmitUsage(true), 1_000_000);

    TestPouch.Reply reply = pouch.chat(key, chat(true, null, true));

    assertThat(reply.status()).isEqualTo(200);
    JsonNode row = onlyLogRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("counted");
    assertThat(row.get("completion_tokens").asLong())
        .as("counted at least what the upstream sent")
        .isGreaterThanOrEqualTo(upstream.completionTokensSent());
    assertThat(reserved(key)).isZero();
  }

  @Test
  void aReasoningModelsStreamWithoutUsageIsChargedItsFullReservation() throws Exception {
    assertAReasoningAnswerWithoutUsageIsChargedItsFullReservation(true);
  }

  @Test
  void aReasoningModelsPlainAnswerWithoutUsageIsChargedItsFullReservation() throws Exception {
    assertAReasoningAnswerWithoutUsageIsChargedItsFullReservation(false);
  }

  /**
   * o3 (a reasoning model in the bundled table, $2 / $8 per million tokens) answers one word and
   * ends with {@code [DONE]} but reports no usage: its hidden reasoning tokens cannot be counted,
   * so the request is charged everything it reserved, not the one word it showed.
   */
  private void assertAReasoningAnswerWithoutUsageIsChargedItsFullReservation(boolean stream)
      throws Exception {
    String chunk =
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"o3\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Foxes\"},\"finish_reason\":null}]}\n\n";
    String finish =
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"o3\","
            + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
    try (MockWebServer server = new MockWebServer()) {
      server.enqueue(
          new MockResponse.Builder()
              .addHeader("Content-Type", "text/event-stream")
              .body(chunk + finish + "data: [DONE]\n\n")
              .build());
      server.start();
      TestPouch.CreatedTestKey key =
          pouch.createKey(
              KeyBody.openAi("reasoning", server.url("/v1").toString()).budgetMicros(1_000_000));
      Map<String, Object> body = new LinkedHashMap<>(chat(stream, 50, false));
      body.put("model", "o3");

      TestPouch.Reply reply = pouch.chat(key, body);

      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.raw()).contains("Foxes");
      long reservedHeader =
          Long.parseLong(reply.response().headers().firstValue("x-pouch-reserved-micros").get());
      JsonNode row = onlyLogRow(key);
      assertThat(row.get("settlement").asText()).isEqualTo("full_reservation");
      assertThat(row.get("reserved_micros").asLong()).isEqualTo(reservedHeader);
      assertThat(row.get("cost_micros").asLong()).isEqualTo(reservedHeader);
      // the 50 output tokens it may have used at $8 per million, whatever the prompt: far above
      // a count of the one word shown (about 8 micro-dollars of output)
      assertThat(reservedHeader).isGreaterThanOrEqualTo(50 * 8);
      assertThat(spent(key)).isEqualTo(reservedHeader);
      assertThat(reserved(key)).isZero();
    }
  }

  @Test
  void anUpstreamThatIgnoresMaxTokensIsCutAndNeverChargedBeyondTheBudget() {
    long limit = 20_000;
    TestPouch.CreatedTestKey key =
        keyFor(FakeUpstreamSettings.DEFAULT.withIgnoreMaxTokens(true).withChunkDelayMs(2), limit);

    TestPouch.Reply reply = pouch.chat(key, chat(true, 5, false));

    assertThat(reply.raw()).endsWith("data: [DONE]\n\n");
    JsonNode row = onlyLogRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("capped");
    assertThat(row.get("overrun_micros").asLong()).isZero();
    assertThat(spent(key)).isLessThanOrEqualTo(limit);
    // never under-count: the charge covers every token the upstream managed to send
    long sentCost =
        OpenAiSdkClientTest.costMicros(
            upstream.promptTokens(),
            INPUT_PER_MTOK,
            upstream.completionTokensSent(),
            OUTPUT_PER_MTOK);
    assertThat(spent(key)).isGreaterThanOrEqualTo(sentCost);
    assertThat(reserved(key)).isZero();
  }

  @Test
  void theFirstChunkReachesTheClientBeforeTheUpstreamsPauseEnds() throws Exception {
    // the upstream's next chunk comes ten minutes after its first
    TestPouch.CreatedTestKey key =
        keyFor(FakeUpstreamSettings.DEFAULT.withChunkDelayMs(600_000), 1_000_000);
    HttpResponse<InputStream> response = pouch.openStream(key, chat(true, 3, false));
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    // read on another thread, which the upstream's close ends if the chunk never comes
    String first = CompletableFuture.supplyAsync(() -> readLine(lines)).get(60, TimeUnit.SECONDS);

    try (lines) {
      assertThat(first).startsWith("data: {");
      assertThat(upstream.completionTokensSent())
          .as("first chunk forwarded at once, while the upstream still held every token")
          .isZero();
    }
  }

  @Test
  void aClientThatLeavesMidStreamCancelsTheUpstreamAndIsSettledOnce() throws Exception {
    // 2,000 tokens 100 ms apart: the upstream could only finish after minutes
    upstream =
        FakeOpenAiUpstream.start(
            0,
            FakeUpstreamSettings.DEFAULT
                .withChunkDelayMs(100)
                .withResponseText(String.join(" ", Collections.nCopies(2_000, "fox"))));
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.openAi("openai-key", upstream.baseUrl()).budgetMicros(1_000_000));
    HttpResponse<InputStream> response = pouch.openStream(key, chat(true, null, false));
    try (InputStream body = response.body()) {
      assertThat(body.read()).isNotNegative();
    }

    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while ((upstream.streamsAborted() == 0 || reserved(key) != 0) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(upstream.streamsAborted()).as("the upstream saw the connection close").isEqualTo(1);
    assertThat(upstream.completionTokensSent()).as("long before its end").isLessThan(2_000);
    assertThat(reserved(key)).isZero();
    JsonNode row = onlyLogRow(key);
    assertThat(row.get("error_code").asText()).isEqualTo("client_closed");
    // charged by the pace of what it relayed (StoppedStreamTest), or in full before any pace
    assertThat(row.get("settlement").asText()).isIn("client_closed", "full_reservation");
    assertThat(spent(key)).isEqualTo(row.get("cost_micros").asLong()).isPositive();
  }

  @Test
  void upstreamRefusalsAreRefundedAndServerErrorsChargedBothPassedThrough() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      String tooMany =
          "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\",\"param\":null}}";
      String broken =
          "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"code\":null,\"param\":null}}";
      server.enqueue(
          new MockResponse.Builder()
              .code(429)
              .addHeader("Content-Type", "application/json")
              .addHeader("Retry-After", "7")
              .body(tooMany)
              .build());
      server.enqueue(
          new MockResponse.Builder()
              .code(500)
              .addHeader("Content-Type", "application/json")
              .body(broken)
              .build());
      server.start();
      TestPouch.CreatedTestKey key =
          pouch.createKey(
              KeyBody.openAi("errors", server.url("/v1").toString()).budgetMicros(1_000_000));

      TestPouch.Reply first = pouch.chat(key, chat(false, 10, false));
      TestPouch.Reply second = pouch.chat(key, chat(true, 10, false));

      assertThat(first.status()).isEqualTo(429);
      assertThat(first.raw()).isEqualTo(tooMany);
      assertThat(first.response().headers().firstValue("Retry-After")).contains("7");
      assertThat(second.status()).isEqualTo(500);
      assertThat(second.raw()).isEqualTo(broken);
      // a 4xx is the upstream's refusal; a 5xx may come after it processed the request (G11)
      long secondReservation =
          Long.parseLong(second.response().headers().firstValue("x-pouch-reserved-micros").get());
      assertThat(spent(key)).isEqualTo(secondReservation);
      assertThat(reserved(key)).isZero();
      JsonNode rows = pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body();
      assertThat(rows.findValuesAsText("settlement"))
          .containsExactlyInAnyOrder("refunded", "full_reservation");
    }
  }

  @Test
  void aHangingUpstreamTimesOutWith504AndIsChargedItsReservation() {
    upstream = FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT.withHang(true));
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.openAi("hang", upstream.baseUrl())
                .providerSetting("timeout_seconds", 1)
                .budgetMicros(1_000_000));

    TestPouch.Reply reply = pouch.chat(key, chat(false, 10, false));

    assertThat(reply.status()).isEqualTo(504);
    assertThat(reply.errorType()).isEqualTo("upstream_error");
    // the request was written: the upstream may bill it, so it is charged, not refunded (G11)
    assertThat(spent(key)).isEqualTo(onlyLogRow(key).get("reserved_micros").asLong()).isPositive();
    assertThat(reserved(key)).isZero();
  }

  @Test
  void anUnreachableUpstreamIs502AndRefunded() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.openAi("gone", "http://127.0.0.1:" + closedPort + "/v1")
                .budgetMicros(1_000_000));

    TestPouch.Reply reply = pouch.chat(key, chat(false, 10, false));

    assertThat(reply.status()).isEqualTo(502);
    assertThat(reply.errorType()).isEqualTo("upstream_error");
    assertThat(spent(key)).isZero();
    assertThat(reserved(key)).isZero();
  }

  @Test
  void anUpstreamThatClosesIdleConnectionsSoonStillAnswersEveryRequest() throws Exception {
    // uvicorn (vLLM, LiteLLM) closes idle keep-alive connections after 5 s; here between requests
    try (IdleClosingUpstream closing = new IdleClosingUpstream()) {
      TestPouch.CreatedTestKey key =
          pouch.createKey(
              KeyBody.openAi("idle-closing", closing.baseUrl()).budgetMicros(1_000_000));
      OpenAIClient client = officialClient(key);
      ChatCompletionCreateParams params =
          ChatCompletionCreateParams.builder()
              .model("gpt-4o-mini")
              .maxCompletionTokens(20)
              .addUserMessage("Hello")
              .build();

      List<String> answers = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        if (i > 0) {
          assertThat(closing.closeIdleConnections()).as("Pouch's pooled connection").isEqualTo(1);
        }
        answers.add(
            client
                .chat()
                .completions()
                .create(params)
                .choices()
                .get(0)
                .message()
                .content()
                .orElseThrow());
      }

      assertThat(answers).containsExactly("Hi", "Hi", "Hi");
      assertThat(closing.requests()).isEqualTo(3);
      assertThat(closing.connections()).as("a new one after each close").isEqualTo(3);
      JsonNode rows = pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body();
      assertThat(rows).hasSize(3);
      rows.forEach(row -> assertThat(row.get("status").asInt()).isEqualTo(200));
      assertThat(spent(key)).isPositive();
      assertThat(reserved(key)).isZero();
    }
  }

  @Test
  void aModelWithoutAKnownPriceIsRefusedOnAKeyWithABudget() {
    TestPouch.CreatedTestKey key = keyFor(FakeUpstreamSettings.DEFAULT, 1_000_000);

    TestPouch.Reply reply =
        pouch.chat(
            key,
            Map.of(
                "model",
                "llama-3-70b",
                "messages",
                List.of(Map.of("role", "user", "content", "hi"))));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.errorCode()).isEqualTo("model_price_unknown");
    assertThat(upstream.requestsReceived()).isZero();
  }

  @Test
  void modelsListsWhatTheUpstreamServesAndPouchPricesOrTheAllowedOnes() {
    upstream = FakeOpenAiUpstream.start();
    TestPouch.CreatedTestKey open = pouch.createKey(KeyBody.openAi("all", upstream.baseUrl()));
    TestPouch.CreatedTestKey narrow =
        pouch.createKey(
            KeyBody.openAi("narrow", upstream.baseUrl())
                .allowedModels("gpt-4o-mini", "my-finetune")
                .budgetMicros(1_000_000));
    TestPouch.CreatedTestKey unlisted =
        pouch.createKey(KeyBody.openAi("unlisted", "http://127.0.0.1:" + closedPort() + "/v1"));

    assertThat(FakeOpenAiUpstream.MODELS).contains("mock-model");
    assertThat(modelIds(open))
        .as("the upstream's list, less the model without a price")
        .containsExactly("gpt-4o-mini", "gpt-4.1");
    assertThat(modelIds(narrow))
        .as("allowed, and priced on a key with a budget")
        .containsExactly("gpt-4o-mini");
    assertThat(modelIds(unlisted))
        .as("an upstream that does not list its models: the price table")
        .contains("gpt-4o", "gpt-4o-mini", "gpt-4.1", "text-embedding-3-small");
  }

  private static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<String> modelIds(TestPouch.CreatedTestKey key) {
    return pouch
        .send("GET", "/v1/models", key.bearer(), null)
        .body()
        .get("data")
        .findValuesAsText("id");
  }

  @Test
  void theUpstreamApiKeyIsNeverShownByTheAdminApi() {
    upstream = FakeOpenAiUpstream.start();
    TestPouch.CreatedTestKey key = pouch.createKey(KeyBody.openAi("secretive", upstream.baseUrl()));

    String view = pouch.admin("GET", "/api/keys/" + key.id(), null).raw();

    assertThat(view).doesNotContain("sk-test-upstream-secret").contains("\"api_key\":\"********\"");
  }
}
