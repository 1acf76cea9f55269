package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import dev.pouch.server.NpmOpenAiClient.Call;
import dev.pouch.server.NpmOpenAiClient.Result;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The official npm {@code openai} client (v6, Node), pointed at Pouch over real HTTP, works as it
 * does against OpenAI: each test runs one Node process for its group of calls ({@link
 * NpmOpenAiClient}, {@code src/test/node/scenarios.mjs}) and compares what the client saw with the
 * request log, the ledger and what the fake upstream served. The client keeps its default retries
 * (two), so the number of HTTP requests it sends is part of what is checked.
 */
class NpmOpenAiClientTest extends FakeUpstreamServerTest {
  private static final String TEXT = "the quick brown fox jumps over the lazy dog again and again";
  private static final Map<String, Object> INCLUDE_USAGE =
      Map.of("stream_options", Map.of("include_usage", true));
  private static final int READ_BEFORE_STOP = 10;

  @Test
  void plainAndStreamedAnswersArriveWholeAndTheirUsageIsWhatTheLedgerCharged() {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("npm", "unused").budgetMicros(1_000_000));

    NpmOpenAiClient.Run run =
        NpmOpenAiClient.run(
            pouch.openAiBaseUrl(),
            Call.of("chat.create", key),
            Call.of("chat.stream", key).args(INCLUDE_USAGE));

    assertThat(run.clientVersion()).as("the pinned openai v6").startsWith("6.");
    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    Map<String, FakeOpenAiUpstream.Served> served = upstream.servedByRequest();
    assertThat(rows).as("one row per call").hasSize(2);

    JsonNode plain = run.get(0).value();
    assertThat(plain.get("choices")).hasSize(1);
    assertThat(plain.at("/choices/0/content").asText()).isEqualTo(TEXT);
    assertThat(plain.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    JsonNode plainRow = rows.get(plain.get("request_id").asText());
    assertThat(plainRow).as("the row of the x-request-id the client got").isNotNull();
    assertUsageIsTheRow(plain.get("usage"), plainRow);
    assertThat(plainRow.get("streamed").asBoolean()).isFalse();
    assertThat(served.get(plainRow.get("id").asText()).completionTokens())
        .isEqualTo(plain.at("/usage/completion_tokens").asLong());
    assertThat(run.get(0).http()).as("one HTTP request").hasSize(1);

    JsonNode stream = run.get(1).value();
    JsonNode streamRow = rows.get(stream.get("request_id").asText());
    long tokensServed = served.get(streamRow.get("id").asText()).completionTokens();
    assertThat(stream.get("text").asText()).isEqualTo(TEXT);
    assertThat(stream.get("content_chunks").asLong())
        .as("every token the upstream sent reached the client as its own chunk")
        .isEqualTo(tokensServed)
        .isEqualTo(TEXT.split(" ").length);
    assertThat(stream.get("chunks").asLong())
        .as("plus the role, finish and usage chunks, and nothing else")
        .isEqualTo(tokensServed + 3);
    assertThat(stream.get("role_chunks").asInt()).isEqualTo(1);
    assertThat(stream.get("finish_chunks").asInt()).isEqualTo(1);
    assertThat(stream.get("usage_chunks").asInt()).isEqualTo(1);
    assertThat(stream.get("chunk_ids").asInt()).as("one completion id").isEqualTo(1);
    assertThat(stream.get("finish_reason").asText()).isEqualTo("stop");
    assertUsageIsTheRow(stream.get("usage"), streamRow);
    assertThat(streamRow.get("streamed").asBoolean()).isTrue();
    assertThat(run.get(1).http()).as("one HTTP request").hasSize(1);

    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong())
        .isEqualTo(usageCost(plain.get("usage")) + usageCost(stream.get("usage")))
        .isPositive();
  }

  @Test
  void aStreamTheClientBreaksOffIsChargedWhatWasProducedNotItsReservation() throws Exception {
    // 2,000 tokens 20 ms apart: the upstream could go on for 40 seconds
    startUpstream(
        FakeUpstreamSettings.DEFAULT
            .withChunkDelayMs(20)
            .withResponseText(String.join(" ", Collections.nCopies(2_000, "fox"))));
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("stopper", "unused").budgetMicros(1_000_000));

    JsonNode stopped =
        NpmOpenAiClient.run(
                pouch.openAiBaseUrl(),
                Call.of("chat.stream", key)
                    .args(Map.of("stop_after_content_chunks", READ_BEFORE_STOP)))
            .get(0)
            .value();

    assertThat(stopped.get("stopped").asBoolean()).isTrue();
    assertThat(stopped.get("content_chunks").asInt()).isEqualTo(READ_BEFORE_STOP);
    awaitSettled(key);
    assertThat(upstream.streamsAborted()).as("the upstream saw the cancel").isEqualTo(1);
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
    JsonNode row = ServedCharges.rows(pouch, key).get(stopped.get("request_id").asText());
    assertThat(row.get("settlement").asText()).isEqualTo("client_closed");
    assertThat(row.get("completion_tokens").asLong())
        .as("at least what the client read, far below the 2,000 it could have streamed")
        .isGreaterThanOrEqualTo(READ_BEFORE_STOP)
        .isLessThan(1_000);
    assertThat(row.get("cost_micros").asLong())
        .as("a small part of the reservation")
        .isLessThan(row.get("reserved_micros").asLong() / 10);
  }

  @Test
  void embeddingsArriveAsUnitVectorsAndTheirUsageIsWhatTheLedgerCharged() throws Exception {
    startUpstream(FakeUpstreamSettings.DEFAULT);
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("npm-embeddings", "unused").budgetMicros(1_000_000));

    NpmOpenAiClient.Run run =
        NpmOpenAiClient.run(
            pouch.openAiBaseUrl(),
            Call.of("embeddings.create", key),
            Call.of("embeddings.create", key).args(Map.of("input", List.of("alpha beta", "gamma"))),
            Call.of("embeddings.create", key).args(Map.of("input", "short", "dimensions", 8)));

    assertThat(
            pouch.json().readTree(upstream.requestBodies().get(0)).get("encoding_format").asText())
        .as("the npm client asks for base64 by default")
        .isEqualTo("base64");
    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    Map<String, FakeOpenAiUpstream.Served> served = upstream.servedByRequest();
    assertThat(rows).as("one row per call").hasSize(3);
    List<Integer> vectors = List.of(1, 2, 1);
    List<Integer> lengths = List.of(1536, 1536, 8);
    long charged = 0;
    for (int call = 0; call < 3; call++) {
      JsonNode answer = run.get(call).value();
      assertThat(answer.get("embeddings")).hasSize(vectors.get(call));
      for (JsonNode vector : answer.get("embeddings")) {
        assertThat(vector.get("numbers").asBoolean()).as("decoded into numbers").isTrue();
        assertThat(vector.get("length").asInt()).isEqualTo(lengths.get(call));
        assertThat(vector.get("norm").asDouble()).as("a unit vector").isCloseTo(1.0, within(1e-3));
      }
      JsonNode row = rows.get(answer.get("request_id").asText());
      long prompt = answer.at("/usage/prompt_tokens").asLong();
      assertThat(row.get("prompt_tokens").asLong()).isEqualTo(prompt);
      assertThat(served.get(row.get("id").asText()).promptTokens()).isEqualTo(prompt);
      assertThat(row.get("completion_tokens").asLong()).isZero();
      assertThat(row.get("settlement").asText()).isEqualTo("usage_reported");
      assertThat(row.get("cost_micros").asLong())
          .as("text-embedding-3-small's $0.02 per million input tokens")
          .isEqualTo(OpenAiSdkClientTest.costMicros(prompt, 20_000, 0, 0));
      assertThat(run.get(call).http()).as("one HTTP request").hasSize(1);
      charged += row.get("cost_micros").asLong();
    }
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isEqualTo(charged);
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
  }

  @Test
  void responsesArriveWholePlainAndStreamedAndTheirUsageIsWhatTheLedgerCharged() {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("npm-responses", "unused").budgetMicros(1_000_000));

    NpmOpenAiClient.Run run =
        NpmOpenAiClient.run(
            pouch.openAiBaseUrl(),
            Call.of("responses.create", key),
            Call.of("responses.stream", key),
            Call.of("responses.create", key).args(Map.of("max_output_tokens", 3)));

    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    Map<String, FakeOpenAiUpstream.Served> served = upstream.servedByRequest();
    assertThat(rows).as("one row per call").hasSize(3);
    JsonNode plain = run.get(0).value();
    assertThat(plain.get("object").asText()).isEqualTo("response");
    assertThat(plain.get("status").asText()).isEqualTo("completed");
    assertThat(plain.get("text").asText()).isEqualTo(TEXT);
    JsonNode stream = run.get(1).value();
    assertThat(stream.get("text").asText()).isEqualTo(TEXT);
    assertThat(stream.get("last_type").asText()).isEqualTo("response.completed");
    assertThat(stream.at("/types/response.output_text.delta").asInt())
        .isEqualTo(TEXT.split(" ").length);
    JsonNode limited = run.get(2).value();
    assertThat(limited.get("status").asText()).isEqualTo("incomplete");
    assertThat(limited.get("incomplete_reason").asText()).isEqualTo("max_output_tokens");
    assertThat(limited.get("text").asText()).isEqualTo("the quick brown");
    long charged = 0;
    for (JsonNode answer : List.of(plain, stream, limited)) {
      JsonNode row = rows.get(answer.get("request_id").asText());
      long input = answer.at("/usage/input_tokens").asLong();
      long output = answer.at("/usage/output_tokens").asLong();
      assertThat(row.get("prompt_tokens").asLong()).isEqualTo(input);
      assertThat(row.get("completion_tokens").asLong()).isEqualTo(output);
      assertThat(served.get(row.get("id").asText()))
          .isEqualTo(new FakeOpenAiUpstream.Served(input, output));
      assertThat(row.get("cost_micros").asLong()).isEqualTo(ServedCharges.cost(input, output));
      charged += row.get("cost_micros").asLong();
    }
    for (int call = 0; call < 3; call++) {
      assertThat(run.get(call).http()).as("one HTTP request").hasSize(1);
    }
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isEqualTo(charged);
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
  }

  @Test
  void legacyCompletionsArriveWholePlainAndStreamedAndTheirUsageIsWhatTheLedgerCharged() {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("npm-completions", "unused").budgetMicros(1_000_000));

    NpmOpenAiClient.Run run =
        NpmOpenAiClient.run(
            pouch.openAiBaseUrl(),
            Call.of("completions.create", key).args(Map.of("max_tokens", 50)),
            Call.of("completions.stream", key)
                .args(
                    Map.of(
                        "max_tokens", 50,
                        "prompt", List.of("first", "second"),
                        "stream_options", Map.of("include_usage", true))),
            Call.of("completions.create", key));

    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    Map<String, FakeOpenAiUpstream.Served> served = upstream.servedByRequest();
    assertThat(rows).as("one row per call").hasSize(3);
    JsonNode plain = run.get(0).value();
    assertThat(plain.get("object").asText()).isEqualTo("text_completion");
    assertThat(plain.at("/choices/0/text").asText().strip()).isEqualTo(TEXT);
    JsonNode stream = run.get(1).value();
    assertThat(stream.at("/texts/0").asText().strip()).isEqualTo(TEXT);
    assertThat(stream.at("/texts/1").asText().strip()).as("one answer per prompt").isEqualTo(TEXT);
    JsonNode defaulted = run.get(2).value();
    assertThat(defaulted.at("/usage/completion_tokens").asLong())
        .as("without max_tokens, OpenAI's default of 16")
        .isEqualTo(Math.min(16, TEXT.split(" ").length));
    long charged = 0;
    for (JsonNode answer : List.of(plain, stream, defaulted)) {
      JsonNode row = rows.get(answer.get("request_id").asText());
      long prompt = answer.at("/usage/prompt_tokens").asLong();
      long output = answer.at("/usage/completion_tokens").asLong();
      assertThat(row.get("prompt_tokens").asLong()).isEqualTo(prompt);
      assertThat(row.get("completion_tokens").asLong()).isEqualTo(output);
      assertThat(served.get(row.get("id").asText()))
          .isEqualTo(new FakeOpenAiUpstream.Served(prompt, output));
      // gpt-3.5-turbo-instruct in the bundled table: $1.50 / $2.00 per million tokens
      assertThat(row.get("cost_micros").asLong())
          .isEqualTo(OpenAiSdkClientTest.costMicros(prompt, 1_500_000, output, 2_000_000));
      charged += row.get("cost_micros").asLong();
    }
    for (int call = 0; call < 3; call++) {
      assertThat(run.get(call).http()).as("one HTTP request").hasSize(1);
    }
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isEqualTo(charged);
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
  }

  @Test
  void modelsRetrieveFindsAnAllowedModelAndAnyOtherIsANotFoundError() {
    TestPouch.CreatedTestKey narrow =
        pouch.createKey(KeyBody.mock("narrow").allowedModels("gpt-4o-mini", "org/model-1"));
    TestPouch.CreatedTestKey unknown = new TestPouch.CreatedTestKey("none", "pa-not-a-real-key");

    NpmOpenAiClient.Run run =
        NpmOpenAiClient.run(
            pouch.openAiBaseUrl(),
            Call.of("models.list", narrow),
            Call.of("models.retrieve", narrow).args(Map.of("model", "gpt-4o-mini")),
            Call.of("models.retrieve", narrow).args(Map.of("model", "org/model-1")),
            Call.of("models.retrieve", narrow).args(Map.of("model", "gpt-4o")),
            Call.of("models.retrieve", unknown).args(Map.of("model", "gpt-4o-mini")));

    assertThat(run.get(0).value().get("ids"))
        .extracting(JsonNode::asText)
        .containsExactly("gpt-4o-mini", "org/model-1");
    assertThat(run.get(1).value().get("id").asText()).isEqualTo("gpt-4o-mini");
    assertThat(run.get(1).value().get("object").asText()).isEqualTo("model");
    assertThat(run.get(2).value().get("id").asText()).isEqualTo("org/model-1");
    JsonNode notFound = run.get(3).error();
    assertThat(notFound.get("class").asText()).isEqualTo("NotFoundError");
    assertThat(notFound.get("status").asInt()).isEqualTo(404);
    assertThat(notFound.get("code").asText()).isEqualTo("model_not_found");
    assertThat(notFound.get("message").asText()).contains("gpt-4o");
    assertThat(run.get(3).http()).as("a 404 is not retried").hasSize(1);
    JsonNode unauthorized = run.get(4).error();
    assertThat(unauthorized.get("class").asText()).isEqualTo("AuthenticationError");
    assertThat(unauthorized.get("status").asInt()).isEqualTo(401);
  }

  @Test
  void budgetRefusalIsSentExactlyOnceByTheClientWithItsDefaultRetries() {
    TestPouch.CreatedTestKey poor =
        pouch.createKey(KeyBody.mock("poor").prices("1000", "1000").budgetMicros(5));

    NpmOpenAiClient.Run run =
        NpmOpenAiClient.run(
            pouch.openAiBaseUrl(),
            Call.of("chat.create", poor),
            Call.of("chat.stream", poor).args(INCLUDE_USAGE));

    for (Result refused : run.results()) {
      JsonNode error = refused.error();
      int status = error.get("status").asInt();
      assertThat(status).as("a client error, whatever its number").isBetween(400, 499);
      assertThat(error.get("class").asText())
          .as("the class openai-node gives a %d", status)
          .isEqualTo(clientErrorClass(status));
      assertThat(error.get("message").asText()).contains("budget");
      assertThat(refused.http()).as("exactly one HTTP request, no retry").hasSize(1);
    }
    JsonNode rows = pouch.admin("GET", "/api/requests?key_id=" + poor.id(), null).body();
    assertThat(rows)
        .as("one request per call reached Pouch, plain and streamed")
        .extracting(row -> row.get("error_code").asText())
        .containsExactly("budget_exceeded", "budget_exceeded");
    assertThat(pouch.budget(poor.id()).get("spent_micros").asLong()).isZero();
    assertThat(pouch.budget(poor.id()).get("reserved_micros").asLong()).isZero();
  }

  @Test
  void rateLimitRefusalIsRetriedByTheClientAfterItsRetryAfter() {
    TestPouch.CreatedTestKey limited =
        pouch.createKey(
            KeyBody.mock("limited").middleware("rate_limit", Map.of("limit", 1, "period", 1)));

    NpmOpenAiClient.Run run =
        NpmOpenAiClient.run(
            pouch.openAiBaseUrl(),
            Call.of("chat.create", limited),
            Call.of("chat.create", limited),
            Call.of("chat.create", limited).clientOptions(Map.of("maxRetries", 0)));

    assertThat(run.get(0).http()).hasSize(1);
    assertThat(run.get(1).value().get("choices")).hasSize(1);
    List<JsonNode> sent = run.get(1).http();
    assertThat(sent).as("refused once, then retried and served").hasSize(2);
    assertThat(sent.get(0).get("status").asInt()).isEqualTo(429);
    assertThat(sent.get(1).get("status").asInt()).isEqualTo(200);
    double retryAfterSeconds = Double.parseDouble(sent.get(0).get("retry_after").asText());
    assertThat(retryAfterSeconds).isPositive();
    long waitedMillis = sent.get(1).get("at_ms").asLong() - sent.get(0).get("at_ms").asLong();
    assertThat(waitedMillis)
        .as("waited Retry-After, not its own backoff (0.5 s at most)")
        .isGreaterThanOrEqualTo((long) (retryAfterSeconds * 1000) - 25);
    JsonNode withoutRetries = run.get(2).error();
    assertThat(withoutRetries.get("class").asText()).isEqualTo("RateLimitError");
    assertThat(withoutRetries.get("code").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(run.get(2).http()).as("maxRetries 0: the refusal is reported at once").hasSize(1);
    JsonNode rows = pouch.admin("GET", "/api/requests?key_id=" + limited.id(), null).body();
    assertThat(rows)
        .as("served; refused, then served; refused: four requests reached Pouch, newest first")
        .extracting(row -> row.get("error_code").asText(null))
        .containsExactly("rate_limit_exceeded", null, "rate_limit_exceeded", null);
  }

  /** Waits until the upstream saw the client's cancel and nothing stays reserved. */
  private void awaitSettled(TestPouch.CreatedTestKey key) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while ((upstream.streamsAborted() == 0
            || pouch.budget(key.id()).get("reserved_micros").asLong() != 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  /** The usage the client read equals the request-log row's tokens, priced at the row's cost. */
  private static void assertUsageIsTheRow(JsonNode usage, JsonNode row) {
    assertThat(usage.get("prompt_tokens").asLong()).isEqualTo(row.get("prompt_tokens").asLong());
    assertThat(usage.get("completion_tokens").asLong())
        .isEqualTo(row.get("completion_tokens").asLong());
    assertThat(row.get("settlement").asText()).isEqualTo("usage_reported");
    assertThat(row.get("cost_micros").asLong()).isEqualTo(usageCost(usage));
  }

  /** What {@code usage} costs at gpt-4o-mini's table prices. */
  private static long usageCost(JsonNode usage) {
    return ServedCharges.cost(
        usage.get("prompt_tokens").asLong(), usage.get("completion_tokens").asLong());
  }

  /** The error class openai-node's {@code APIError.generate} gives a 4xx status. */
  private static String clientErrorClass(int status) {
    switch (status) {
      case 400:
        return "BadRequestError";
      case 401:
        return "AuthenticationError";
      case 403:
        return "PermissionDeniedError";
      case 404:
        return "NotFoundError";
      case 409:
        return "ConflictError";
      case 422:
        return "UnprocessableEntityError";
      case 429:
        return "RateLimitError";
      default:
        return "APIError";
    }
  }
}
