package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The official Anthropic Java SDK against Pouch's {@code POST /v1/messages}, with a key on the
 * {@code anthropic} provider and the fake Anthropic upstream behind it, over real HTTP: plain,
 * streamed and tool answers, charged to the micro-dollar as the fake's tally × the table's price,
 * and Pouch's own errors in Anthropic's shape.
 */
class AnthropicSdkClientTest extends ServerTest {
  static final String MODEL = "claude-haiku-4-5";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private FakeAnthropicUpstream upstream;

  @BeforeEach
  void startUpstream() {
    upstream = FakeAnthropicUpstream.start();
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  /**
   * Claude Haiku 4.5 at the bundled table's price, computed here from the tally with decimals: $1
   * input, $1.25 5-minute write, $2 1-hour write, $0.10 cache read, $5 output per million tokens,
   * rounded up to whole micro-dollars per request.
   */
  static long expectedMicros(FakeAnthropicUpstream.Served served) {
    BigDecimal micros =
        BigDecimal.valueOf(served.inputTokens())
            .multiply(new BigDecimal("1"))
            .add(BigDecimal.valueOf(served.cacheWrite5mTokens()).multiply(new BigDecimal("1.25")))
            .add(BigDecimal.valueOf(served.cacheWrite1hTokens()).multiply(new BigDecimal("2")))
            .add(BigDecimal.valueOf(served.cacheReadTokens()).multiply(new BigDecimal("0.1")))
            .add(BigDecimal.valueOf(served.outputTokens()).multiply(new BigDecimal("5")));
    return micros.setScale(0, RoundingMode.CEILING).longValueExact();
  }

  static long expectedTotal(FakeAnthropicUpstream upstream) {
    return upstream.servedByRequest().values().stream()
        .mapToLong(AnthropicSdkClientTest::expectedMicros)
        .sum();
  }

  private AnthropicClient client(String apiKey) {
    return AnthropicOkHttpClient.builder()
        .apiKey(apiKey)
        .baseUrl(pouch.baseUrl())
        .maxRetries(0)
        .build();
  }

  private TestPouch.CreatedTestKey key(long budgetMicros) {
    return pouch.createKey(
        KeyBody.anthropic("claude", upstream.baseUrl()).budgetMicros(budgetMicros));
  }

  private static MessageCreateParams.Builder params() {
    return MessageCreateParams.builder().model(MODEL).maxTokens(200).addUserMessage("Hello!");
  }

  private static Tool weatherTool() {
    return Tool.builder()
        .name("get_weather")
        .description("The weather in a city")
        .inputSchema(
            Tool.InputSchema.builder()
                .properties(
                    Tool.InputSchema.Properties.builder()
                        .putAdditionalProperty("location", JsonValue.from(Map.of("type", "string")))
                        .build())
                .required(List.of("location"))
                .build())
        .build();
  }

  @Test
  void theOfficialSdkGetsPlainStreamedAndToolAnswersChargedAsTheTallyTimesThePrice() {
    TestPouch.CreatedTestKey key = key(1_000_000);
    AnthropicClient client = client(key.secret());

    Message plain = client.messages().create(params().build());
    MessageAccumulator accumulator = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> stream =
        client.messages().createStreaming(params().build())) {
      stream.stream().forEach(accumulator::accumulate);
    }
    Message streamed = accumulator.message();
    Message tool = client.messages().create(params().addTool(weatherTool()).build());

    assertThat(plain.content().get(0).text().orElseThrow().text())
        .isEqualTo(FakeAnthropicUpstream.TEXT);
    assertThat(plain.stopReason()).contains(StopReason.END_TURN);
    assertThat(streamed.content().get(0).text().orElseThrow().text())
        .isEqualTo(FakeAnthropicUpstream.TEXT);
    assertThat(streamed.usage().outputTokens()).isEqualTo(14);
    ContentBlock call = tool.content().get(1);
    assertThat(call.toolUse().orElseThrow().name()).isEqualTo("get_weather");
    assertThat(call.toolUse().orElseThrow()._input().toString()).contains("Paris");
    assertThat(tool.stopReason()).contains(StopReason.TOOL_USE);

    assertThat(upstream.servedByRequest()).hasSize(3);
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong()).isEqualTo(expectedTotal(upstream)).isPositive();
    assertThat(budget.get("reserved_micros").asLong()).isZero();
    // the upstream got the key's own secret and the SDK's own version (3.16.0's), never the app key
    assertThat(upstream.lastHeaders())
        .containsEntry("x-api-key", "sk-ant-test-upstream-secret")
        .containsEntry("anthropic-version", "2026-10-21")
        .doesNotContainKey("authorization");
  }

  @Test
  void theMockProviderAnswersTheSdkToo() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.mock("mock-claude").prices("1", "2").budgetMicros(1_000_000));
    AnthropicClient client = client(key.secret());

    Message plain = client.messages().create(params().maxTokens(5).build());
    MessageAccumulator accumulator = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> stream =
        client.messages().createStreaming(params().build())) {
      stream.stream().forEach(accumulator::accumulate);
    }
    Message streamed = accumulator.message();

    assertThat(plain.stopReason()).contains(StopReason.MAX_TOKENS);
    assertThat(plain.usage().outputTokens()).isEqualTo(5);
    assertThat(streamed.stopReason()).contains(StopReason.END_TURN);
    assertThat(streamed.content().get(0).text().orElseThrow().text()).isNotBlank();
    // $1 input and $2 output per million tokens: one micro-dollar per input token, two per output
    long expected =
        plain.usage().inputTokens()
            + 2 * plain.usage().outputTokens()
            + streamed.usage().inputTokens()
            + 2 * streamed.usage().outputTokens();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isEqualTo(expected);
  }

  @Test
  void theAppKeyWorksAsABearerTokenAndTheBetaHeaderPassesThrough() throws Exception {
    TestPouch.CreatedTestKey key = key(1_000_000);
    HttpResponse<String> response =
        post(
            Map.of("Authorization", key.bearer(), "anthropic-beta", "beta-one,beta-two"),
            "{\"model\":\""
                + MODEL
                + "\",\"max_tokens\":50,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(pouch.json().readTree(response.body()).path("type").asText()).isEqualTo("message");
    assertThat(upstream.lastHeaders())
        .containsEntry("anthropic-beta", "beta-one,beta-two")
        .containsEntry("anthropic-version", "2023-06-01");
  }

  @Test
  void pouchsOwnErrorsKeepAnthropicsShapeOnTheMessagesRoute() throws Exception {
    TestPouch.CreatedTestKey key = key(1_000_000);
    Map<String, String> auth = Map.of("x-api-key", key.secret());

    JsonNode noMaxTokens =
        error(
            post(
                auth,
                "{\"model\":\""
                    + MODEL
                    + "\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"Hi\"}]}"),
            400,
            "invalid_request_error");
    assertThat(noMaxTokens.path("error").path("message").asText()).contains("max_tokens");
    assertThat(noMaxTokens.path("request_id").asText()).startsWith("req_");
    error(post(auth, "{not json"), 400, "invalid_request_error");
    error(post(Map.of("x-api-key", "pa-wrong"), "{}"), 401, "authentication_error");
    error(post(Map.of(), "{}"), 401, "authentication_error");
    error(send("POST", "/v1/messages/batches", auth, "{}"), 404, "not_found_error");
    error(send("POST", "/v1/messages/count_tokens", auth, "{}"), 400, "invalid_request_error");
    // an unknown model on a budget key, and a server tool: refused before anything is reserved
    error(
        post(
            auth,
            "{\"model\":\"claude-unknown\",\"max_tokens\":5,\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Hi\"}]}"),
        400,
        "invalid_request_error");
    error(
        post(
            auth,
            "{\"model\":\""
                + MODEL
                + "\",\"max_tokens\":5,\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Hi\"}],\"tools\":[{\"type\":\"web_search_20250305\","
                + "\"name\":\"web_search\"}]}"),
        400,
        "invalid_request_error");
    // Jetty's own refusal (header fields too large), before Javalin sees the request
    error(post(Map.of("x-big", "a".repeat(64 * 1024)), "{}"), 431, "invalid_request_error");
    // the OpenAI routes keep OpenAI's shape
    assertThat(pouch.chat(key, Map.of()).body().path("error").has("code")).isTrue();
    assertThat(upstream.requestsReceived()).isZero();
  }

  @Test
  void aBudgetRefusalIsA402TheSdkSendsOnce() {
    TestPouch.CreatedTestKey key = key(1); // one micro-dollar: nothing fits
    AnthropicClient retrying =
        AnthropicOkHttpClient.builder().apiKey(key.secret()).baseUrl(pouch.baseUrl()).build();

    AnthropicServiceException refused =
        catchThrowableOfType(
            AnthropicServiceException.class, () -> retrying.messages().create(params().build()));

    assertThat(refused.statusCode()).isEqualTo(402);
    assertThat(refused.body().toString()).contains("billing_error");
    assertThat(refused.headers().values("x-should-retry")).containsExactly("false");
    JsonNode rows = pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body();
    assertThat(rows).hasSize(1); // one request, no retries
    assertThat(upstream.requestsReceived()).isZero();
  }

  @Test
  void anUpstreamErrorPassesThroughAsAnthropicWroteIt() {
    TestPouch.CreatedTestKey key = key(1_000_000);
    upstream.failWithStatus(400);

    AnthropicServiceException failed =
        catchThrowableOfType(
            AnthropicServiceException.class,
            () -> client(key.secret()).messages().create(params().build()));

    assertThat(failed.statusCode()).isEqualTo(400);
    assertThat(failed.body().toString()).contains("failing on purpose");
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isZero(); // a 4xx: refunded
  }

  private JsonNode error(HttpResponse<String> response, int status, String type) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode body = pouch.json().readTree(response.body());
    assertThat(body.path("type").asText()).isEqualTo("error");
    assertThat(body.path("error").path("type").asText()).as(response.body()).isEqualTo(type);
    return body;
  }

  private HttpResponse<String> post(Map<String, String> headers, String body) throws Exception {
    return send("POST", "/v1/messages", headers, body);
  }

  private HttpResponse<String> send(
      String method, String path, Map<String, String> headers, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(pouch.baseUrl() + path))
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    headers.forEach(request::header);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
