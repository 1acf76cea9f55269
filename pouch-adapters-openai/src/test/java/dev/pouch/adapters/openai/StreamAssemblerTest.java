package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import dev.pouch.testkit.PlainAnswers;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Plain requests go upstream as streams and come back assembled, so an upstream that ignores
 * max_tokens is stopped at the cap even when the client did not stream.
 */
class StreamAssemblerTest {
  private final MockWebServer server = new MockWebServer();
  private OpenAiProviderFactory factory;

  @BeforeEach
  void start() throws IOException {
    server.start();
    factory =
        new OpenAiProviderFactory(
            new OpenAiSettings("sk", "http://unused/v1", null), Clock.systemUTC());
  }

  @AfterEach
  void stop() throws IOException {
    factory.close();
    server.close();
  }

  private Provider provider(boolean streamPlain) {
    PluginConfig config =
        factory
            .info()
            .schema()
            .validate(
                Map.of(
                    "base_url",
                    server.url("/v1").toString(),
                    "stream_plain_requests",
                    streamPlain));
    return factory.create(config);
  }

  private static ChatRequest plain(int maxTokens) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("messages", List.of(Map.of("role", "user", "content", "Hi")));
    body.put("max_tokens", maxTokens);
    return ChatRequest.of(body);
  }

  private static String event(String json) {
    return "data: " + json + "\n\n";
  }

  private static String delta(int index, String deltaJson, String finish) {
    return event(
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\","
            + "\"choices\":[{\"index\":"
            + index
            + ",\"delta\":"
            + deltaJson
            + ",\"logprobs\":null,\"finish_reason\":"
            + (finish == null ? "null" : "\"" + finish + "\"")
            + "}]}");
  }

  private void enqueueStream(String body) {
    server.enqueue(
        new MockResponse.Builder()
            .headers(Headers.of("Content-Type", "text/event-stream"))
            .body(body)
            .build());
  }

  private static JsonNode json(ProviderResponse.Complete response) throws IOException {
    return OpenAiProvider.MAPPER.readTree(response.body());
  }

  @Test
  void aPlainRequestIsStreamedUpstreamAndAssembledAsAChatCompletion() throws Exception {
    enqueueStream(
        delta(0, "{\"role\":\"assistant\",\"content\":\"\"}", null)
            + delta(0, "{\"content\":\"Hello\"}", null)
            + delta(0, "{\"content\":\" there\"}", null)
            + delta(0, "{}", "stop")
            + event(
                "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":2,\"total_tokens\":10}}")
            + "data: [DONE]\n\n");

    ProviderResponse.Complete response =
        PlainAnswers.read(provider(true).execute(plain(50), new UpstreamCall("r", 50)), 50);

    JsonNode sent = OpenAiProvider.MAPPER.readTree(server.takeRequest().getBody().utf8());
    assertThat(sent.get("stream").asBoolean()).isTrue();
    assertThat(sent.at("/stream_options/include_usage").asBoolean()).isTrue();
    JsonNode answer = json(response);
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headers()).containsEntry("Content-Type", "application/json");
    assertThat(answer.get("object").asText()).isEqualTo("chat.completion");
    assertThat(answer.get("id").asText()).isEqualTo("chatcmpl-1");
    assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo("Hello there");
    assertThat(answer.at("/choices/0/message/role").asText()).isEqualTo("assistant");
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(answer.at("/usage/completion_tokens").asLong()).isEqualTo(2);
    assertThat(response.usage()).isEqualTo(new Usage(8, 0, 2, UsageSource.REPORTED));
  }

  @Test
  void toolCallsAndSeveralChoicesAreAssembledByIndex() throws Exception {
    enqueueStream(
        delta(
                0,
                "{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}",
                null)
            + delta(1, "{\"role\":\"assistant\",\"content\":\"Sunny\"}", null)
            + delta(
                0,
                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}",
                null)
            + delta(
                0,
                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Oslo\\\"}\"}}]}",
                null)
            + delta(0, "{}", "tool_calls")
            + delta(1, "{}", "stop")
            + "data: [DONE]\n\n");

    JsonNode answer =
        json(PlainAnswers.read(provider(true).execute(plain(50), new UpstreamCall("r", 100)), 100));

    assertThat(answer.at("/choices/0/message/content").isNull()).isTrue();
    assertThat(answer.at("/choices/0/message/tool_calls/0/id").asText()).isEqualTo("call_1");
    assertThat(answer.at("/choices/0/message/tool_calls/0/function/name").asText())
        .isEqualTo("get_weather");
    assertThat(answer.at("/choices/0/message/tool_calls/0/function/arguments").asText())
        .isEqualTo("{\"city\":\"Oslo\"}");
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(answer.at("/choices/1/message/content").asText()).isEqualTo("Sunny");
  }

  /**
   * Every field the upstream streamed reaches the client of a plain request (issue 10: lossless),
   * merged as OpenAI merges stream deltas: text appended, arrays concatenated, objects merged field
   * by field, other values the last one given; stream-only padding left out.
   */
  @Test
  void aPlainAnswerKeepsEveryFieldTheUpstreamStreamed() throws Exception {
    String head =
        "\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"sonar\",\"obfuscation\":\"pad\"";
    enqueueStream(
        event(
                "{"
                    + head
                    + ",\"citations\":[\"https://a\"],\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                    + "\"reasoning_content\":\"Let me \"},\"finish_reason\":null}]}")
            + event(
                "{"
                    + head
                    + ",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"think.\","
                    + "\"content\":\"Oslo\",\"annotations\":[{\"type\":\"url_citation\","
                    + "\"url_citation\":{\"url\":\"https://a\"}}]},\"finish_reason\":null}]}")
            + event(
                "{"
                    + head
                    + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" is cold\","
                    + "\"annotations\":[{\"type\":\"url_citation\",\"url_citation\":"
                    + "{\"url\":\"https://b\"}}],\"function_call\":{\"name\":\"get_\"}},"
                    + "\"finish_reason\":null}]}")
            + event(
                "{"
                    + head
                    + ",\"x_provider\":{\"region\":\"eu\"},\"citations\":[\"https://a\","
                    + "\"https://b\"],\"choices\":[{\"index\":0,\"delta\":{\"function_call\":"
                    + "{\"name\":\"weather\",\"arguments\":\"{}\"},\"tool_calls\":[{\"index\":0,"
                    + "\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\","
                    + "\"arguments\":\"{\\\"a\\\":1}\"},\"x_call\":true}]},"
                    + "\"finish_reason\":\"stop\",\"stop_reason\":128}]}")
            + event(
                "{"
                    + head
                    + ",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9,"
                    + "\"total_tokens\":14,\"completion_tokens_details\":{\"reasoning_tokens\":3}}}")
            + "data: [DONE]\n\n");

    ProviderResponse.Complete response =
        PlainAnswers.read(provider(true).execute(plain(50), new UpstreamCall("r", 50)), 50);

    JsonNode answer = json(response);
    assertThat(answer.get("object").asText()).isEqualTo("chat.completion");
    assertThat(answer.has("obfuscation")).as("stream-only padding").isFalse();
    assertThat(answer.at("/citations").toString()).isEqualTo("[\"https://a\",\"https://b\"]");
    assertThat(answer.at("/x_provider/region").asText()).isEqualTo("eu");
    JsonNode message = answer.at("/choices/0/message");
    assertThat(message.get("content").asText()).isEqualTo("Oslo is cold");
    assertThat(message.get("reasoning_content").asText()).isEqualTo("Let me think.");
    assertThat(message.at("/annotations/0/url_citation/url").asText()).isEqualTo("https://a");
    assertThat(message.at("/annotations/1/url_citation/url").asText()).isEqualTo("https://b");
    assertThat(message.at("/function_call/name").asText()).isEqualTo("get_weather");
    assertThat(message.at("/function_call/arguments").asText()).isEqualTo("{}");
    assertThat(message.at("/tool_calls/0/id").asText()).isEqualTo("call_1");
    assertThat(message.at("/tool_calls/0/type").asText()).isEqualTo("function");
    assertThat(message.at("/tool_calls/0/function/arguments").asText()).isEqualTo("{\"a\":1}");
    assertThat(message.at("/tool_calls/0/x_call").asBoolean()).isTrue();
    assertThat(answer.at("/choices/0/stop_reason").asInt()).isEqualTo(128);
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(answer.at("/usage/completion_tokens_details/reasoning_tokens").asInt()).isEqualTo(3);
  }

  @Test
  void anUpstreamThatIgnoresMaxTokensIsCutAtTheCapAndChargedTheReservation() throws Exception {
    StringBuilder body =
        new StringBuilder(delta(0, "{\"role\":\"assistant\",\"content\":\"\"}", null));
    for (int i = 0; i < 40; i++) {
      body.append(delta(0, "{\"content\":\" word\"}", null));
    }
    body.append(delta(0, "{}", "stop")).append("data: [DONE]\n\n");
    enqueueStream(body.toString());

    ProviderResponse.Complete response =
        PlainAnswers.read(provider(true).execute(plain(5), new UpstreamCall("r", 5)), 5);

    JsonNode answer = json(response);
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("length");
    assertThat(answer.at("/choices/0/message/content").asText().strip().split(" "))
        .hasSizeLessThanOrEqualTo(5);
    assertThat(response.usage().source())
        .as("only a count is known after a cut (the core charges the reservation: ChargeTest)")
        .isEqualTo(UsageSource.COUNTED);
    assertThat(response.producedAtLeast()).as("past the cap: the core cuts here").isGreaterThan(5);
  }

  @Test
  void anUpstreamBreakingOffMidAnswerIsA502ThatIsStillCharged() throws Exception {
    enqueueStream(
        delta(0, "{\"content\":\"Partial\"}", null)
            + event("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));

    ProviderResponse.Complete response =
        PlainAnswers.read(provider(true).execute(plain(50), new UpstreamCall("r", 50)), 50);

    assertThat(response.status()).isEqualTo(502);
    assertThat(json(response).at("/error/type").asText()).isEqualTo("upstream_error");
    assertThat(response.usage().completionTokens()).isPositive();
  }

  @Test
  void anErrorEventBeforeAnyOutputIsA502WithoutReportedUsageSoTheCoreChargesItInFull()
      throws Exception {
    enqueueStream(event("{\"error\":{\"message\":\"nope\",\"type\":\"server_error\"}}"));

    ProviderResponse.Complete response =
        PlainAnswers.read(provider(true).execute(plain(50), new UpstreamCall("r", 50)), 50);

    // a 200 head means the upstream had the request: a 5xx without reported usage is charged the
    // full reservation (Charge.decide), not refunded like a 4xx refusal
    assertThat(response.status()).isEqualTo(502);
    assertThat(response.usage().source()).isNotEqualTo(UsageSource.REPORTED);
    assertThat(response.producedAtLeast()).isZero();
  }

  @Test
  void aStreamThatEndsWithoutDoneUsageOrFinishReasonIsA502() throws Exception {
    enqueueStream(delta(0, "{\"content\":\"Partial\"}", null));

    ProviderResponse.Complete response =
        PlainAnswers.read(provider(true).execute(plain(50), new UpstreamCall("r", 50)), 50);

    assertThat(response.status()).isEqualTo(502);
    assertThat(response.usage().source()).isNotEqualTo(UsageSource.REPORTED);
    assertThat(response.producedAtLeast()).isEqualTo(1);
  }

  @Test
  void streamingPlainRequestsCanBeTurnedOffForUpstreamsThatCannotStream() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .headers(Headers.of("Content-Type", "application/json"))
            .body(
                "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}")
            .build());

    ProviderResponse.Complete response =
        PlainAnswers.read(provider(false).execute(plain(50), new UpstreamCall("r", 50)), 50);

    JsonNode sent = OpenAiProvider.MAPPER.readTree(server.takeRequest().getBody().utf8());
    assertThat(sent.has("stream")).isFalse();
    assertThat(response.usage()).isEqualTo(new Usage(3, 0, 1, UsageSource.REPORTED));
  }
}
