package dev.pouch.adapters.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.provider.MessagesRequest;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import dev.pouch.domain.provider.UpstreamStream;
import dev.pouch.testkit.PlainAnswers;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The provider against the fake Anthropic upstream over real HTTP: what goes up, what comes back.
 */
class AnthropicProviderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private FakeAnthropicUpstream upstream;
  private AnthropicProviderFactory factory;
  private Provider provider;

  @BeforeEach
  void start() {
    upstream = FakeAnthropicUpstream.start();
    factory = new AnthropicProviderFactory();
    PluginConfig config =
        factory
            .info()
            .schema()
            .validate(Map.of("api_key", "sk-ant-upstream", "base_url", upstream.baseUrl()));
    provider = factory.create(config);
  }

  @AfterEach
  void stop() {
    factory.close();
    upstream.close();
  }

  static Map<String, Object> body(boolean stream, long maxTokens) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "claude-haiku-4-5");
    body.put("max_tokens", maxTokens);
    body.put("messages", List.of(Map.of("role", "user", "content", "Hello there")));
    if (stream) {
      body.put("stream", true);
    }
    return body;
  }

  private static Map<String, Object> withTools(Map<String, Object> body) {
    body.put(
        "tools",
        List.of(
            Map.of(
                "name",
                "get_weather",
                "description",
                "The weather",
                "input_schema",
                Map.of(
                    "type",
                    "object",
                    "properties",
                    Map.of("location", Map.of("type", "string"))))));
    return body;
  }

  private JsonNode plain(Operation request, long cap) throws Exception {
    ProviderResponse response = provider.execute(request, new UpstreamCall("req_plain", cap));
    ProviderResponse.Complete complete = PlainAnswers.read(response, cap);
    assertThat(complete.status()).isEqualTo(200);
    return JSON.readTree(complete.body());
  }

  @Test
  void aPlainRequestIsStreamedUpstreamAndAssembledAsAMessage() throws Exception {
    JsonNode message = plain(MessagesRequest.of(body(false, 100)), 100);

    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(message.path("content").get(0).path("text").asText())
        .isEqualTo(FakeAnthropicUpstream.TEXT);
    assertThat(message.path("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(message.path("usage").path("output_tokens").asLong()).isEqualTo(14);
    assertThat(upstream.lastHeaders())
        .containsEntry("x-api-key", "sk-ant-upstream")
        .containsEntry("anthropic-version", AnthropicHttp.DEFAULT_VERSION)
        .doesNotContainKey("authorization");
  }

  @Test
  void aToolCallIsAssembledWithItsInputBuiltFromTheJsonDeltas() throws Exception {
    JsonNode message = plain(MessagesRequest.of(withTools(body(false, 100))), 100);

    JsonNode tool = message.path("content").get(1);
    assertThat(tool.path("type").asText()).isEqualTo("tool_use");
    assertThat(tool.path("name").asText()).isEqualTo("get_weather");
    assertThat(tool.path("id").asText()).startsWith("toolu_");
    assertThat(tool.path("input"))
        .isEqualTo(JSON.readTree("{\"location\":\"Paris\",\"unit\":\"celsius\"}"));
    assertThat(message.path("stop_reason").asText()).isEqualTo("tool_use");
  }

  @Test
  void thinkingKeepsItsTextAndSignature() throws Exception {
    Map<String, Object> body = body(false, 3000);
    body.put("thinking", Map.of("type", "enabled", "budget_tokens", 1024));
    JsonNode message = plain(MessagesRequest.of(body), 3000);

    JsonNode thinking = message.path("content").get(0);
    assertThat(thinking.path("type").asText()).isEqualTo("thinking");
    assertThat(thinking.path("thinking").asText())
        .isEqualTo("Let me think about what the user asked.");
    assertThat(thinking.path("signature").asText()).isEqualTo("sig_fake_thinking");
    assertThat(message.path("content").get(1).path("type").asText()).isEqualTo("text");
  }

  @Test
  void aStreamIsForwardedAndMeteredFromItsUsage() throws Exception {
    Map<String, String> headers =
        Map.of("anthropic-version", "2024-01-01", "anthropic-beta", "some-beta-2025");
    ProviderResponse response =
        provider.execute(
            MessagesRequest.of(body(true, 100), headers), new UpstreamCall("req_stream", 100));

    UpstreamStream stream = ((ProviderResponse.Streaming) response).stream();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] chunk;
    while ((chunk = stream.next()) != null) {
      all.writeBytes(chunk);
    }
    stream.close();
    FakeAnthropicUpstream.Served served = upstream.servedByRequest().get("req_stream");
    assertThat(stream.finished()).isTrue();
    assertThat(stream.producedAtLeast()).isEqualTo(served.outputTokens()).isEqualTo(14);
    Usage usage = stream.usage();
    assertThat(usage.source()).isEqualTo(UsageSource.REPORTED);
    assertThat(usage.promptTokens()).isEqualTo(served.inputTokens());
    assertThat(usage.completionTokens()).isEqualTo(14);
    assertThat(all.toString(StandardCharsets.UTF_8))
        .startsWith("event: message_start\n")
        .contains("event: message_stop\n");
    assertThat(upstream.lastHeaders())
        .containsEntry("anthropic-version", "2024-01-01")
        .containsEntry("anthropic-beta", "some-beta-2025");
  }

  @Test
  void aStreamPastTheCapIsCutAndEndsAsAMaxTokensStop() throws Exception {
    upstream.ignoreMaxTokens(true);
    ProviderResponse response =
        provider.execute(MessagesRequest.of(body(true, 5)), new UpstreamCall("req_cut", 5));
    UpstreamStream stream = ((ProviderResponse.Streaming) response).stream();
    while (stream.producedAtLeast() <= 5) {
      assertThat(stream.next()).isNotNull();
    }
    stream.close();

    String trailer = new String(stream.cutTrailer(), StandardCharsets.UTF_8);
    assertThat(trailer)
        .contains("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}")
        .contains("\"stop_reason\":\"max_tokens\"")
        .endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    assertThat(stream.usage()).isEqualTo(Usage.UNKNOWN); // the final usage never came
    assertThat(stream.finished()).isFalse();
  }

  @Test
  void anUpstreamErrorPassesThroughInAnthropicsShape() throws Exception {
    upstream.failWithStatus(529);
    ProviderResponse response =
        provider.execute(MessagesRequest.of(body(true, 5)), new UpstreamCall("req_err", 5));

    ProviderResponse.Complete complete = (ProviderResponse.Complete) response;
    assertThat(complete.status()).isEqualTo(529);
    assertThat(JSON.readTree(complete.body()).path("error").path("type").asText())
        .isEqualTo("overloaded_error");
    assertThat(complete.usage()).isEqualTo(Usage.UNKNOWN);
  }

  @Test
  void theProviderServesMessagesAndTranslatedChatAndPricesClaudeModelsByFamily() {
    assertThat(provider.serves(Operation.MESSAGES)).isTrue();
    assertThat(provider.serves(Operation.CHAT_COMPLETIONS)).isTrue();
    assertThat(provider.serves(Operation.EMBEDDINGS)).isFalse();
    assertThat(provider.model("claude-sonnet-4-5-20250929").orElseThrow().price().inputPerMTok())
        .isEqualTo(3_000_000);
    assertThat(provider.model("claude-3-5-haiku-latest").orElseThrow().price().outputPerMTok())
        .isEqualTo(4_000_000);
    assertThat(provider.model("gpt-4o")).isEmpty();
  }
}
