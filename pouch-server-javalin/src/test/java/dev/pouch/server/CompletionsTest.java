package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/completions} (OpenAI's legacy completions) through Pouch's metered pipeline,
 * driven by the official openai-java SDK over real HTTP against the fake upstream on an {@code
 * openai} key: the ledger equals what the upstream served at gpt-3.5-turbo-instruct's prices, to
 * the micro-dollar, plain and streamed; the worst case (16 tokens when {@code max_tokens} is
 * absent, every prompt × {@code best_of}) is what is reserved; a budget that cannot pay is refused;
 * an upstream ignoring {@code max_tokens} is cut; a client that stops a stream pays for what it
 * got.
 */
class CompletionsTest extends FakeUpstreamServerTest {
  private static final String MODEL = "gpt-3.5-turbo-instruct";
  // gpt-3.5-turbo-instruct in the bundled table: $1.50 / $2.00 per million tokens
  private static final long INPUT_PER_MTOK = 1_500_000;
  private static final long OUTPUT_PER_MTOK = 2_000_000;
  private static final long MARGIN = 16;
  private static final String TEXT = "the quick brown fox jumps over the lazy dog again";

  private TestPouch.CreatedTestKey key(long budget) {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    return upstreamKey(KeyBody.openAi("completions", "unused").budgetMicros(budget));
  }

  private OpenAIClient client(TestPouch.CreatedTestKey key) {
    return OpenAIOkHttpClient.builder()
        .apiKey(key.secret())
        .baseUrl(pouch.openAiBaseUrl())
        .maxRetries(0)
        .build();
  }

  static long cost(long prompt, long completion) {
    return OpenAiSdkClientTest.costMicros(prompt, INPUT_PER_MTOK, completion, OUTPUT_PER_MTOK);
  }

  /** The key's only request-log row, checked against what the upstream served it. */
  private JsonNode onlyRowChargedExactlyWhatWasServed(TestPouch.CreatedTestKey key) {
    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    assertThat(rows).hasSize(1);
    JsonNode row = rows.values().iterator().next();
    FakeOpenAiUpstream.Served served = upstream.servedByRequest().get(row.get("id").asText());
    assertThat(served).as("the upstream served the row's request").isNotNull();
    assertThat(row.get("prompt_tokens").asLong()).isEqualTo(served.promptTokens());
    assertThat(row.get("completion_tokens").asLong()).isEqualTo(served.completionTokens());
    long expected = cost(served.promptTokens(), served.completionTokens());
    assertThat(row.get("cost_micros").asLong()).isEqualTo(expected);
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong()).isEqualTo(expected);
    assertThat(budget.get("reserved_micros").asLong()).isZero();
    return row;
  }

  private static Map<String, Object> completion(Object... fields) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", MODEL);
    body.put("prompt", "Say this is a test");
    for (int i = 0; i < fields.length; i += 2) {
      body.put((String) fields[i], fields[i + 1]);
    }
    return body;
  }

  private TestPouch.Reply post(TestPouch.CreatedTestKey key, Map<String, Object> body) {
    return pouch.send("POST", "/v1/completions", key.bearer(), body);
  }

  private static long reserved(TestPouch.Reply reply) {
    return Long.parseLong(
        reply.response().headers().firstValue("x-pouch-reserved-micros").orElseThrow());
  }

  /** The quick prompt bound of one text prompt: its UTF-8 bytes + the per-prompt allowance. */
  private static long promptBound(String... prompts) {
    long bound = 0;
    for (String prompt : prompts) {
      bound += prompt.getBytes(StandardCharsets.UTF_8).length + 4;
    }
    return bound;
  }

  @Test
  void aPlainCompletionThroughTheSdkIsChargedWhatTheUpstreamServedToTheMicroDollar() {
    TestPouch.CreatedTestKey key = key(1_000_000);

    Completion answer =
        client(key)
            .completions()
            .create(
                CompletionCreateParams.builder()
                    .model(MODEL)
                    .prompt("Say this is a test")
                    .maxTokens(5)
                    .build());

    assertThat(answer.choices()).hasSize(1);
    assertThat(answer.choices().get(0).text()).isEqualTo(" the quick brown fox jumps");
    assertThat(answer.usage().orElseThrow().completionTokens()).isEqualTo(5);
    JsonNode row = onlyRowChargedExactlyWhatWasServed(key);
    assertThat(row.get("settlement").asText()).isEqualTo("usage_reported");
    assertThat(row.get("model").asText()).isEqualTo(MODEL);
  }

  @Test
  void aStreamedCompletionThroughTheSdkIsChargedWhatTheUpstreamServedToTheMicroDollar() {
    TestPouch.CreatedTestKey key = key(1_000_000);
    StringBuilder text = new StringBuilder();
    long usage = -1;

    try (StreamResponse<Completion> stream =
        client(key)
            .completions()
            .createStreaming(
                CompletionCreateParams.builder()
                    .model(MODEL)
                    .prompt("Say this is a test")
                    .maxTokens(7)
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                    .build())) {
      for (Iterator<Completion> chunks = stream.stream().iterator(); chunks.hasNext(); ) {
        Completion chunk = chunks.next();
        chunk.choices().forEach(choice -> text.append(choice.text()));
        if (chunk.usage().isPresent()) {
          usage = chunk.usage().get().completionTokens();
        }
      }
    }

    assertThat(text.toString()).isEqualTo(" the quick brown fox jumps over the");
    assertThat(usage).isEqualTo(7);
    assertThat(onlyRowChargedExactlyWhatWasServed(key).get("settlement").asText())
        .isEqualTo("usage_reported");
  }

  @Test
  void aStreamWhoseClientDidNotAskForUsageGetsNoUsageChunkAndIsStillCharged() {
    TestPouch.CreatedTestKey key = key(1_000_000);

    TestPouch.Reply reply = post(key, completion("max_tokens", 3, "stream", true));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.raw()).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
    onlyRowChargedExactlyWhatWasServed(key);
  }

  @Test
  void withoutMaxTokensSixteenTokensAreReservedAndWrittenUpstream() throws Exception {
    TestPouch.CreatedTestKey key = key(1_000_000);

    TestPouch.Reply reply = post(key, completion());

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reserved(reply)).isEqualTo(cost(promptBound("Say this is a test"), 16 + MARGIN));
    JsonNode sent = pouch.json().readTree(upstream.lastRequestBody().orElseThrow());
    assertThat(sent.get("max_tokens").asLong()).isEqualTo(16);
    onlyRowChargedExactlyWhatWasServed(key);
  }

  @Test
  void everyPromptTimesBestOfIsReservedAndTheUnseenCandidatesAreCharged() {
    TestPouch.CreatedTestKey key = key(1_000_000);

    TestPouch.Reply reply =
        post(
            key,
            completion("prompt", List.of("One", "Two"), "n", 1, "best_of", 3, "max_tokens", 4));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().path("choices")).hasSize(2);
    assertThat(reserved(reply)).isEqualTo(cost(promptBound("One", "Two"), 2 * 3 * 4 + MARGIN));
    JsonNode row = onlyRowChargedExactlyWhatWasServed(key);
    assertThat(row.get("completion_tokens").asLong()).isEqualTo(2 * 3 * 4);
  }

  @Test
  void nAnswersPerPromptAreReservedAndStreamedToTheEnd() {
    TestPouch.CreatedTestKey key = key(1_000_000);

    TestPouch.Reply reply =
        post(
            key,
            completion("prompt", List.of("One", "Two"), "n", 2, "max_tokens", 3, "stream", true));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reserved(reply)).isEqualTo(cost(promptBound("One", "Two"), 2 * 2 * 3 + MARGIN));
    onlyRowChargedExactlyWhatWasServed(key);
  }

  @Test
  void aBudgetThatCannotPayIsRefusedBeforeTheUpstreamIsCalled() {
    TestPouch.CreatedTestKey key = key(1_000);
    OpenAIClient client = client(key);

    OpenAIServiceException refused =
        catchThrowableOfType(
            OpenAIServiceException.class,
            () ->
                client
                    .completions()
                    .create(
                        CompletionCreateParams.builder()
                            .model(MODEL)
                            .prompt("Write a novel.")
                            .maxTokens(4000)
                            .build()));

    assertThat(refused.statusCode()).isEqualTo(402);
    assertThat(refused.getMessage()).contains("budget");
    assertThat(upstream.requestsReceived()).isZero();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isZero();
  }

  @Test
  void aModelWithoutAKnownPriceIsRefusedOnABudget() {
    TestPouch.CreatedTestKey key = key(1_000_000);

    TestPouch.Reply reply = post(key, completion("model", "babbage-002"));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.errorCode()).isEqualTo("model_price_unknown");
    assertThat(upstream.requestsReceived()).isZero();
  }

  @Test
  void anUpstreamIgnoringMaxTokensIsCutAtTheCapPlainAndStreamed() {
    startUpstream(
        FakeUpstreamSettings.DEFAULT
            .withResponseText(TEXT)
            .withIgnoreMaxTokens(true)
            .withChunkDelayMs(2));
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("runaway", "unused").budgetMicros(1_000_000));

    for (boolean stream : new boolean[] {false, true}) {
      TestPouch.Reply reply = post(key, completion("max_tokens", 10, "stream", stream));
      assertThat(reply.status()).isEqualTo(200);
    }

    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    assertThat(rows).hasSize(2);
    for (JsonNode row : rows.values()) {
      assertThat(row.get("settlement").asText()).isEqualTo("capped");
      FakeOpenAiUpstream.Served served = upstream.servedByRequest().get(row.get("id").asText());
      assertThat(served.completionTokens()).as("the upstream ran past the cap").isGreaterThan(10);
      assertThat(row.get("cost_micros").asLong())
          .as("charged at least what was served")
          .isGreaterThanOrEqualTo(cost(served.promptTokens(), served.completionTokens()));
    }
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
  }

  @Test
  void anEchoedPromptIsNotTakenForOutputSoAnHonestUpstreamIsNotCut() {
    TestPouch.CreatedTestKey key = key(1_000_000);
    String prompt = "one two three four five six seven eight nine ten";

    for (boolean stream : new boolean[] {false, true}) {
      TestPouch.Reply reply =
          post(key, completion("prompt", prompt, "echo", true, "max_tokens", 2, "stream", stream));
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.raw()).contains(prompt);
    }

    for (JsonNode row : ServedCharges.rows(pouch, key).values()) {
      assertThat(row.get("settlement").asText()).isEqualTo("usage_reported");
      assertThat(row.get("completion_tokens").asLong()).isEqualTo(2);
    }
  }

  @Test
  void aClientThatStopsAStreamIsChargedWhatWasProducedNotItsReservation() throws Exception {
    startUpstream(
        FakeUpstreamSettings.DEFAULT
            .withChunkDelayMs(20)
            .withResponseText(String.join(" ", Collections.nCopies(2_000, "fox"))));
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("stopper", "unused").budgetMicros(1_000_000));

    readThenStop(key, completion("max_tokens", 2_000, "stream", true));

    JsonNode row = settledRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("client_closed");
    assertThat(row.get("cost_micros").asLong())
        .isLessThan(row.get("reserved_micros").asLong() / 10);
  }

  @Test
  void aStoppedStreamWithUnseenCandidatesIsChargedItsReservation() throws Exception {
    startUpstream(
        FakeUpstreamSettings.DEFAULT
            .withChunkDelayMs(20)
            .withResponseText(String.join(" ", Collections.nCopies(2_000, "fox"))));
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("stopper", "unused").budgetMicros(1_000_000));

    readThenStop(key, completion("max_tokens", 1_000, "best_of", 2, "stream", true));

    JsonNode row = settledRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("full_reservation");
    assertThat(row.get("cost_micros").asLong()).isEqualTo(row.get("reserved_micros").asLong());
  }

  @Test
  void theMockProviderAnswersCompletionsPlainAndStreamedAndChargesItsUsage() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("mock-completions")
                .prices("2.50", "10.00")
                .providerSetting("response_text", "four words of mock")
                .budgetMicros(1_000_000));
    OpenAIClient client = client(key);
    CompletionCreateParams.Builder params =
        CompletionCreateParams.builder().model("mock-model").prompt("Say something").n(2);

    Completion plain = client.completions().create(params.build());
    StringBuilder streamed = new StringBuilder();
    try (StreamResponse<Completion> stream =
        client
            .completions()
            .createStreaming(
                params
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                    .build())) {
      stream.stream()
          .flatMap(chunk -> chunk.choices().stream())
          .filter(choice -> choice.index() == 1)
          .forEach(choice -> streamed.append(choice.text()));
    }

    assertThat(plain.choices()).hasSize(2);
    assertThat(plain.choices().get(1).text()).isEqualTo(" four words of mock");
    assertThat(streamed.toString()).isEqualTo(" four words of mock");
    long prompt = plain.usage().orElseThrow().promptTokens();
    long output = plain.usage().orElseThrow().completionTokens();
    assertThat(prompt).isEqualTo(2); // the mock's words
    assertThat(output).isEqualTo(8);
    long each = OpenAiSdkClientTest.costMicros(prompt, 2_500_000, output, 10_000_000);
    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    assertThat(rows).hasSize(2);
    rows.values().forEach(row -> assertThat(row.get("cost_micros").asLong()).isEqualTo(each));
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isEqualTo(2 * each);
  }

  /** Reads ten chunks with text, then walks away. */
  private void readThenStop(TestPouch.CreatedTestKey key, Map<String, Object> body)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(pouch.openAiBaseUrl() + "/completions"))
            .header("Authorization", key.bearer())
            .POST(HttpRequest.BodyPublishers.ofByteArray(pouch.json().writeValueAsBytes(body)))
            .build();
    HttpResponse<InputStream> response =
        pouch.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      int seen = 0;
      String line;
      while (seen < 10 && (line = lines.readLine()) != null) {
        if (line.contains("\"text\":\" fox\"")) {
          seen++;
        }
      }
      assertThat(seen).isEqualTo(10);
    }
  }

  private JsonNode settledRow(TestPouch.CreatedTestKey key) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while ((upstream.streamsAborted() == 0
            || pouch.budget(key.id()).get("reserved_micros").asLong() != 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(upstream.streamsAborted()).as("the upstream saw the cancel").isEqualTo(1);
    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    assertThat(rows).hasSize(1);
    JsonNode row = rows.values().iterator().next();
    FakeOpenAiUpstream.Served served = upstream.servedByRequest().get(row.get("id").asText());
    assertThat(row.get("cost_micros").asLong())
        .as("at least what the upstream served")
        .isGreaterThanOrEqualTo(cost(served.promptTokens(), served.completionTokens()));
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
    return row;
  }
}
