package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.ResponsesRequest;
import dev.pouch.domain.provider.UnpricedField;
import dev.pouch.domain.provider.UpstreamCall;
import dev.pouch.domain.provider.UpstreamStream;
import dev.pouch.testkit.PlainAnswers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Responses API through the {@code openai} provider, against OkHttp's MockWebServer. */
class OpenAiResponsesTest {
  private final MockWebServer server = new MockWebServer();
  private OpenAiProviderFactory factory;
  private Provider provider;

  @BeforeEach
  void start() throws IOException {
    server.start();
    factory =
        new OpenAiProviderFactory(
            new OpenAiSettings("sk", "http://unused/v1", null), Clock.systemUTC());
    PluginConfig config =
        factory.info().schema().validate(Map.of("base_url", server.url("/v1").toString()));
    provider = factory.create(config);
  }

  @AfterEach
  void stop() throws IOException {
    factory.close();
    server.close();
  }

  static ResponsesRequest request(Object... fields) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("input", "Hello there");
    body.put("max_output_tokens", 50L);
    for (int i = 0; i < fields.length; i += 2) {
      body.put((String) fields[i], fields[i + 1]);
    }
    return ResponsesRequest.of(body);
  }

  static String event(String type, long sequence, String fields) {
    return "event: "
        + type
        + "\ndata: {\"type\":\""
        + type
        + "\",\"sequence_number\":"
        + sequence
        + (fields.isEmpty() ? "" : "," + fields)
        + "}\n\n";
  }

  static final String RESPONSE_HEAD =
      "\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1,\"model\":\"gpt-4o-mini\"";

  static String opening() {
    return event(
            "response.created",
            0,
            "\"response\":{" + RESPONSE_HEAD + ",\"status\":\"in_progress\",\"output\":[]}")
        + event(
            "response.output_item.added",
            1,
            "\"output_index\":0,\"item\":{\"id\":\"msg_1\",\"type\":\"message\",\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}")
        + event(
            "response.content_part.added",
            2,
            "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[]}");
  }

  static String delta(long sequence, String text) {
    return event(
        "response.output_text.delta",
        sequence,
        "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\""
            + text
            + "\",\"logprobs\":[]");
  }

  static final String USAGE =
      "\"usage\":{\"input_tokens\":12,\"input_tokens_details\":{\"cached_tokens\":4},"
          + "\"output_tokens\":2,\"output_tokens_details\":{\"reasoning_tokens\":0},"
          + "\"total_tokens\":14}";

  static String completed(long sequence) {
    return event(
        "response.completed",
        sequence,
        "\"response\":{"
            + RESPONSE_HEAD
            + ",\"status\":\"completed\",\"output\":[{\"id\":\"msg_1\",\"type\":\"message\","
            + "\"status\":\"completed\",\"role\":\"assistant\",\"content\":[{\"type\":"
            + "\"output_text\",\"text\":\"Hi you\",\"annotations\":[]}]}],\"x_vendor\":7,"
            + USAGE
            + "}");
  }

  static final String WHOLE_STREAM = opening() + delta(3, "Hi") + delta(4, " you") + completed(5);

  private void enqueueStream(String body) {
    server.enqueue(
        new MockResponse.Builder()
            .headers(Headers.of("Content-Type", "text/event-stream"))
            .body(body)
            .build());
  }

  private static JsonNode json(byte[] body) throws IOException {
    return OpenAiProvider.MAPPER.readTree(body);
  }

  private static byte[] drain(UpstreamStream stream) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] chunk = stream.next(); chunk != null; chunk = stream.next()) {
      out.write(chunk);
    }
    return out.toByteArray();
  }

  @Test
  void theProviderServesTheResponsesApiOnItsOwnPath() throws Exception {
    enqueueStream(WHOLE_STREAM);

    PlainAnswers.read(provider.execute(request(), new UpstreamCall("req_1", 50)), 50);

    RecordedRequest sent = server.takeRequest();
    assertThat(provider.serves(Operation.RESPONSES)).isTrue();
    assertThat(sent.getUrl().encodedPath()).isEqualTo("/v1/responses");
    assertThat(sent.getHeaders().get("X-Request-Id")).isEqualTo("req_1");
  }

  @Test
  void aStreamNamesTheResponseItCarriesForALaterContinuation() throws Exception {
    enqueueStream(WHOLE_STREAM);

    ProviderResponse response =
        provider.execute(request("stream", true), new UpstreamCall("r", 50));

    try (UpstreamStream stream = ((ProviderResponse.Streaming) response).stream()) {
      drain(stream);
      assertThat(stream.answerId()).contains("resp_1");
    }
  }

  @Test
  void aPlainRequestIsStreamedUpstreamAndServedAsTheCompletedResponseUnchanged() throws Exception {
    enqueueStream(WHOLE_STREAM);

    ProviderResponse.Complete response =
        PlainAnswers.read(provider.execute(request(), new UpstreamCall("r", 50)), 50);

    JsonNode sent = json(server.takeRequest().getBody().toByteArray());
    assertThat(sent.get("stream").asBoolean()).isTrue();
    assertThat(sent.get("max_output_tokens").asLong()).isEqualTo(50);
    JsonNode answer = json(response.body());
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headers()).containsEntry("Content-Type", "application/json");
    assertThat(answer.get("status").asText()).isEqualTo("completed");
    assertThat(answer.at("/output/0/content/0/text").asText()).isEqualTo("Hi you");
    assertThat(answer.get("x_vendor").asInt()).isEqualTo(7); // lossless
    assertThat(response.usage()).isEqualTo(new Usage(12, 4, 2, UsageSource.REPORTED));
    assertThat(response.producedAtLeast()).isEqualTo(2);
  }

  @Test
  void aPlainAnswerCutAtTheCapIsAnIncompleteResponseOfWhatArrived() throws Exception {
    enqueueStream(opening() + delta(3, "Hi") + delta(4, " you") + delta(5, " all") + completed(6));

    ProviderResponse.Complete response =
        PlainAnswers.read(provider.execute(request(), new UpstreamCall("r", 2)), 2);

    JsonNode answer = json(response.body());
    assertThat(answer.get("id").asText()).isEqualTo("resp_1");
    assertThat(answer.get("status").asText()).isEqualTo("incomplete");
    assertThat(answer.at("/incomplete_details/reason").asText()).isEqualTo("max_output_tokens");
    assertThat(answer.at("/output/0/content/0/text").asText()).isEqualTo("Hi you");
    assertThat(answer.at("/output/0/status").asText()).isEqualTo("incomplete");
    assertThat(answer.at("/usage/output_tokens").asLong()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aStreamIsForwardedByteForByteAndMeteredFromItsEvents() throws Exception {
    enqueueStream(WHOLE_STREAM);

    ProviderResponse.Streaming response =
        (ProviderResponse.Streaming)
            provider.execute(request("stream", true), new UpstreamCall("r", 50));
    UpstreamStream stream = response.stream();
    byte[] relayed = drain(stream);
    stream.close();

    assertThat(response.headers()).containsEntry("Content-Type", "text/event-stream");
    assertThat(new String(relayed, StandardCharsets.UTF_8)).isEqualTo(WHOLE_STREAM);
    assertThat(stream.finished()).isTrue();
    assertThat(stream.producedAtLeast()).isEqualTo(2);
    assertThat(stream.usage()).isEqualTo(new Usage(12, 4, 2, UsageSource.REPORTED));
    assertThat(stream.streamsEveryOutputToken()).isTrue();
  }

  @Test
  void everyKindOfOutputDeltaCountsAsOutput() throws Exception {
    enqueueStream(
        opening()
            + event(
                "response.refusal.delta",
                3,
                "\"output_index\":0,\"content_index\":0,\"delta\":\"No\"")
            + event(
                "response.function_call_arguments.delta",
                4,
                "\"output_index\":1,\"delta\":\"{\\\"a\\\"\"")
            + event(
                "response.reasoning_summary_text.delta",
                5,
                "\"output_index\":2,\"summary_index\":0,\"delta\":\"Thinking\"")
            + event(
                "response.output_text.delta",
                6,
                "\"output_index\":0,\"content_index\":0,\"delta\":\"\"")
            + completed(7));

    UpstreamStream stream =
        ((ProviderResponse.Streaming)
                provider.execute(request("stream", true), new UpstreamCall("r", 50)))
            .stream();
    drain(stream);

    assertThat(stream.producedAtLeast()).isEqualTo(3); // the empty delta is no output
  }

  @Test
  void aStreamWithoutItsTerminalEventBrokeOffAndIsCountedFromItsDeltas() throws Exception {
    enqueueStream(opening() + delta(3, "Hi") + delta(4, " you"));

    UpstreamStream stream =
        ((ProviderResponse.Streaming)
                provider.execute(request("stream", true), new UpstreamCall("r", 50)))
            .stream();
    drain(stream);

    assertThat(stream.finished()).isFalse();
    assertThat(stream.usage().source()).isEqualTo(UsageSource.COUNTED);
    assertThat(stream.usage().completionTokens()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void anErrorEventOrAFailedResponseIsNoFinishedAnswerButItsUsageIsRead() throws Exception {
    enqueueStream(
        opening()
            + delta(3, "Hi")
            + event("error", 4, "\"code\":\"server_error\",\"message\":\"boom\",\"param\":null"));
    enqueueStream(
        opening()
            + delta(3, "Hi")
            + event(
                "response.failed",
                4,
                "\"response\":{"
                    + RESPONSE_HEAD
                    + ",\"status\":\"failed\",\"output\":[],"
                    + USAGE
                    + "}"));

    UpstreamStream errored =
        ((ProviderResponse.Streaming)
                provider.execute(request("stream", true), new UpstreamCall("r", 50)))
            .stream();
    drain(errored);
    UpstreamStream failed =
        ((ProviderResponse.Streaming)
                provider.execute(request("stream", true), new UpstreamCall("r", 50)))
            .stream();
    drain(failed);

    assertThat(errored.finished()).isFalse();
    assertThat(failed.finished()).isFalse();
    assertThat(failed.usage()).isEqualTo(new Usage(12, 4, 2, UsageSource.REPORTED));
  }

  @Test
  void aCutStreamEndsWithAnIncompleteResponseAndABreakWithTheResponsesErrorEvent()
      throws Exception {
    enqueueStream(opening() + delta(3, "Hi") + delta(4, " you") + delta(5, " all"));
    enqueueStream(opening() + delta(3, "Hi"));
    UpstreamStream stream =
        ((ProviderResponse.Streaming)
                provider.execute(request("stream", true), new UpstreamCall("r", 50)))
            .stream();
    for (int i = 0; i < 6; i++) {
      stream.next(); // the last delta read is past the cap: the core drops it and cuts
    }
    stream.close();
    UpstreamStream broken =
        ((ProviderResponse.Streaming)
                provider.execute(request("stream", true), new UpstreamCall("r", 50)))
            .stream();
    drain(broken);

    String trailer = new String(stream.cutTrailer(), StandardCharsets.UTF_8);
    String error = new String(broken.errorEvent("gone"), StandardCharsets.UTF_8);

    assertThat(trailer).startsWith("event: response.incomplete\ndata: ").endsWith("\n\n");
    JsonNode incomplete =
        json(trailer.substring(trailer.indexOf('{')).getBytes(StandardCharsets.UTF_8));
    assertThat(incomplete.get("sequence_number").asLong()).isEqualTo(5);
    assertThat(incomplete.at("/response/status").asText()).isEqualTo("incomplete");
    assertThat(incomplete.at("/response/output/0/content/0/text").asText()).isEqualTo("Hi you");
    assertThat(error).startsWith("event: error\ndata: ");
    JsonNode errorJson = json(error.substring(error.indexOf('{')).getBytes(StandardCharsets.UTF_8));
    assertThat(errorJson.get("type").asText()).isEqualTo("error");
    assertThat(errorJson.get("message").asText()).isEqualTo("gone");
    assertThat(errorJson.get("sequence_number").asLong()).isEqualTo(4);
    assertThat(broken.cutTrailer()).isEmpty(); // the error event ends a stream that broke off
  }

  @Test
  void aReasoningModelOrARequestForReasoningHidesOutput() throws Exception {
    enqueueStream(WHOLE_STREAM);
    enqueueStream(WHOLE_STREAM);

    UpstreamStream reasoningModel =
        ((ProviderResponse.Streaming)
                provider.execute(request("stream", true, "model", "o3"), new UpstreamCall("r", 50)))
            .stream();
    UpstreamStream askedForReasoning =
        ((ProviderResponse.Streaming)
                provider.execute(
                    request("stream", true, "reasoning", Map.of("effort", "low")),
                    new UpstreamCall("r", 50)))
            .stream();
    reasoningModel.close();
    askedForReasoning.close();

    assertThat(reasoningModel.streamsEveryOutputToken()).isFalse();
    assertThat(askedForReasoning.streamsEveryOutputToken()).isFalse();
  }

  @Test
  void theReasoningStreamWithoutUsageLeavesItsUsageUnknown() throws Exception {
    enqueueStream(opening() + delta(3, "Hi"));

    UpstreamStream stream =
        ((ProviderResponse.Streaming)
                provider.execute(request("stream", true, "model", "o3"), new UpstreamCall("r", 50)))
            .stream();
    drain(stream);

    assertThat(stream.usage().source()).isEqualTo(UsageSource.UNKNOWN);
  }

  @Test
  void thePromptBoundCountsInstructionsAndEveryInputItem() {
    ResponsesRequest small = request("input", "Hi");
    ResponsesRequest larger =
        request(
            "instructions",
            "You answer in French.",
            "input",
            List.of(
                Map.of("role", "user", "content", "Hi"),
                Map.of(
                    "type",
                    "message",
                    "role",
                    "user",
                    "content",
                    List.of(
                        Map.of("type", "input_text", "text", "What is in this picture?"),
                        Map.of("type", "input_image", "image_url", "https://x/y.png"))),
                Map.of("type", "function_call_output", "call_id", "c1", "output", "42 degrees")),
            "tools",
            List.of(Map.of("type", "function", "name", "weather", "parameters", Map.of())));

    long exact = provider.estimatePromptTokens(larger);

    assertThat(exact).isGreaterThan(provider.estimatePromptTokens(small) + 48_169);
    assertThat(provider.boundPromptTokens(larger)).isGreaterThanOrEqualTo(exact);
    assertThat(provider.promptTokensAtLeast(larger)).isEqualTo(4).isLessThan(exact);
  }

  @Test
  void contextPouchCannotSeeFeeToolsAndBackgroundAreUnpriced() {
    assertThat(field(request("previous_response_id", "resp_0")))
        .as("bounded by the core, by the context Pouch recorded")
        .isEmpty();
    assertThat(field(request("conversation", "conv_1"))).hasValue("conversation");
    assertThat(field(request("prompt", Map.of("id", "pmpt_1")))).hasValue("prompt");
    assertThat(field(request("background", true))).hasValue("background");
    assertThat(field(request("tools", List.of(Map.of("type", "web_search"))))).hasValue("tools[0]");
    assertThat(
            field(
                request(
                    "tools",
                    List.of(
                        Map.of("type", "function", "name", "f"),
                        Map.of("type", "code_interpreter")))))
        .hasValue("tools[1]");
    assertThat(field(request("input", List.of(Map.of("type", "item_reference", "id", "msg_0")))))
        .hasValue("input[0]");
    assertThat(
            field(
                request(
                    "input",
                    List.of(
                        Map.of(
                            "role",
                            "user",
                            "content",
                            List.of(Map.of("type", "input_audio", "data", "AAAA")))))))
        .hasValue("input[0].content[0]");
    assertThat(field(request("x_vendor_knob", 1))).hasValue("x_vendor_knob");
  }

  @Test
  void functionToolsReasoningStoreAndAForegroundRequestArePriced() {
    assertThat(
            field(
                request(
                    "tools",
                    List.of(Map.of("type", "function", "name", "f"), Map.of("type", "custom")),
                    "reasoning",
                    Map.of("effort", "high"),
                    "store",
                    true,
                    "background",
                    false,
                    "include",
                    List.of("reasoning.encrypted_content"))))
        .isEmpty();
  }

  @Test
  void theModelsOnlyTheResponsesApiServesArePricedAsReasoningModels() {
    for (String model : List.of("o1-pro", "o3-pro", "gpt-5-pro")) {
      assertThat(provider.model(model)).as(model).isPresent();
    }
    assertThat(provider.model("o1-pro").orElseThrow().priceFor(0).outputPerMTok())
        .isEqualTo(600_000_000L);
  }

  private Optional<String> field(ResponsesRequest request) {
    return provider.unpricedField(request).map(UnpricedField::field);
  }
}
