package dev.pouch.adapters.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.MessagesRequest;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Plain requests fetched plain (issue 22, D39): by default only on Anthropic's own API, which
 * enforces {@code max_tokens}; the answer passed on (or translated for chat) with its reported
 * usage, and an answer without usage or that is no message left unknown, so charged in full.
 */
class PlainMessagesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final AnthropicProviderFactory factory = new AnthropicProviderFactory();
  private FakeAnthropicUpstream upstream;
  private HttpServer canned;

  @AfterEach
  void stop() {
    factory.close();
    if (upstream != null) {
      upstream.close();
    }
    if (canned != null) {
      canned.stop(0);
    }
  }

  private PluginConfig config(String baseUrl, Boolean streamPlain) {
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("api_key", "sk-ant-upstream");
    raw.put("base_url", baseUrl);
    if (streamPlain != null) {
      raw.put("stream_plain_requests", streamPlain);
    }
    return factory.info().schema().validate(raw);
  }

  private static boolean streams(PluginConfig config) {
    return AnthropicProviderFactory.streamsPlainRequests(
        config, HttpUrl.get(config.string("base_url", null)));
  }

  private Provider plainProvider(String baseUrl) {
    return factory.create(config(baseUrl, false));
  }

  @Test
  void onlyAnthropicsOwnApiGetsPlainRequestsPlainByDefaultAndAKeyMaySayOtherwise() {
    assertThat(streams(config("https://api.anthropic.com", null))).isFalse();
    assertThat(streams(config("https://api.anthropic.com/", null))).isFalse();
    assertThat(streams(config("https://claude-proxy.example.com", null))).isTrue();
    assertThat(streams(config("http://127.0.0.1:9", null))).isTrue();
    assertThat(streams(config("https://api.anthropic.com", true))).isTrue();
    assertThat(streams(config("http://127.0.0.1:9", false))).isFalse();
    assertThat(
            factory
                .info()
                .schema()
                .field(AnthropicProviderFactory.STREAM_PLAIN_REQUESTS)
                .orElseThrow()
                .defaultValue())
        .isNull();
  }

  @Test
  void aPlainMessageGoesUpstreamPlainWithItsCapAndIsChargedItsReportedUsage() throws Exception {
    upstream = FakeAnthropicUpstream.start();

    ProviderResponse response =
        plainProvider(upstream.baseUrl())
            .execute(
                MessagesRequest.of(AnthropicProviderTest.body(false, 100)),
                new UpstreamCall("req_plain", 100));

    ProviderResponse.Complete complete = (ProviderResponse.Complete) response;
    JsonNode sent = upstream.lastRequestBody();
    assertThat(sent.path("stream").isBoolean()).isTrue();
    assertThat(sent.path("stream").asBoolean()).isFalse();
    assertThat(sent.path("max_tokens").asLong()).isEqualTo(100);
    assertThat(upstream.lastHeaders()).containsEntry("accept", "application/json");
    JsonNode message = JSON.readTree(complete.body());
    assertThat(message.path("content").get(0).path("text").asText())
        .isEqualTo(FakeAnthropicUpstream.TEXT);
    FakeAnthropicUpstream.Served served = upstream.servedByRequest().get("req_plain");
    assertThat(complete.usage().source()).isEqualTo(UsageSource.REPORTED);
    assertThat(complete.usage().completionTokens()).isEqualTo(served.outputTokens()).isEqualTo(14);
    assertThat(complete.usage().promptTokens()).isEqualTo(served.inputTokens());
    assertThat(complete.producedAtLeast()).isEqualTo(1);
  }

  @Test
  void aChatRequestWithoutALimitGoesUpstreamPlainCappedAtTheReservationAndComesBackAsAChat()
      throws Exception {
    upstream = FakeAnthropicUpstream.start();
    Map<String, Object> chat = new LinkedHashMap<>();
    chat.put("model", "claude-haiku-4-5");
    chat.put("messages", List.of(Map.of("role", "user", "content", "Hello there")));

    ProviderResponse.Complete complete =
        (ProviderResponse.Complete)
            plainProvider(upstream.baseUrl())
                .execute(ChatRequest.of(chat), new UpstreamCall("req_chat", 300));

    JsonNode sent = upstream.lastRequestBody();
    assertThat(sent.path("stream").asBoolean(true)).isFalse();
    assertThat(sent.path("max_tokens").asLong()).isEqualTo(300);
    JsonNode answer = JSON.readTree(complete.body());
    assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
    assertThat(answer.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo(FakeAnthropicUpstream.TEXT);
    assertThat(answer.path("usage").path("completion_tokens").asLong()).isEqualTo(14);
    assertThat(complete.usage().completionTokens()).isEqualTo(14);
  }

  @Test
  void aPlainAnswerWithoutUsageIsLeftUnknownSoItIsChargedInFull() throws Exception {
    String url =
        serve(
            200,
            "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"model\":\"claude-haiku-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],"
                + "\"stop_reason\":\"end_turn\"}");

    ProviderResponse.Complete complete =
        (ProviderResponse.Complete)
            plainProvider(url)
                .execute(
                    MessagesRequest.of(AnthropicProviderTest.body(false, 100)),
                    new UpstreamCall("req_no_usage", 100));

    assertThat(complete.status()).isEqualTo(200);
    assertThat(complete.usage()).isEqualTo(Usage.UNKNOWN);
    assertThat(complete.producedAtLeast()).isEqualTo(1);
  }

  @Test
  void aPlainAnswerThatIsNoMessageIsAnUpstreamErrorLeftUnknown() throws Exception {
    String url = serve(200, "data: {\"type\":\"message_start\"}\n\n");

    ProviderResponse.Complete complete =
        (ProviderResponse.Complete)
            plainProvider(url)
                .execute(
                    MessagesRequest.of(AnthropicProviderTest.body(false, 100)),
                    new UpstreamCall("req_junk", 100));

    assertThat(complete.status()).isEqualTo(502);
    assertThat(complete.usage()).isEqualTo(Usage.UNKNOWN);
    assertThat(JSON.readTree(complete.body()).path("type").asText()).isEqualTo("error");
  }

  /** A loopback upstream answering every request with {@code body}; returns its base URL. */
  private String serve(int status, String body) throws IOException {
    canned = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    canned.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(status, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    canned.start();
    return "http://127.0.0.1:" + canned.getAddress().getPort();
  }
}
