package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ResponsesRequest;
import dev.pouch.domain.provider.UpstreamCall;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FINANCIAL_SAFETY G5 on the plain path (D39): a plain request that goes upstream plain cannot be
 * cut, so it carries the reserved output cap per answer when the client set no limit, in the field
 * the model takes; a limit already written, and a streamed request, are left alone.
 */
class PlainCapTest {
  private final MockWebServer server = new MockWebServer();
  private OpenAiProviderFactory factory;
  private Provider provider;

  @BeforeEach
  void start() throws IOException {
    server.start();
    factory =
        new OpenAiProviderFactory(
            new OpenAiSettings("sk", "http://unused/v1", null), Clock.systemUTC());
    provider =
        factory.create(
            factory
                .info()
                .schema()
                .validate(
                    Map.of(
                        "base_url", server.url("/v1").toString(), "stream_plain_requests", false)));
  }

  @AfterEach
  void stop() throws IOException {
    factory.close();
    server.close();
  }

  private JsonNode sent(Operation request, long outputCap) throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .setHeader("Content-Type", "application/json")
            .body("{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":0}}")
            .build());
    provider.execute(request, new UpstreamCall("r", outputCap));
    return OpenAiProvider.MAPPER.readTree(server.takeRequest().getBody().utf8());
  }

  private static Map<String, Object> chat(String model) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", model);
    body.put("messages", List.of(Map.of("role", "user", "content", "Hi")));
    return body;
  }

  @Test
  void aPlainChatWithoutALimitGoesUpPlainWithTheReservedCapPerAnswer() throws Exception {
    Map<String, Object> body = chat("gpt-4o-mini");
    body.put("n", 2);

    JsonNode sent = sent(ChatRequest.of(body), 200);

    assertThat(sent.has("stream")).isFalse();
    assertThat(sent.path("max_tokens").asLong()).isEqualTo(100);
  }

  @Test
  void aReasoningModelGetsTheCapAsMaxCompletionTokens() throws Exception {
    JsonNode sent = sent(ChatRequest.of(chat("o3")), 300);

    assertThat(sent.path("max_completion_tokens").asLong()).isEqualTo(300);
    assertThat(sent.has("max_tokens")).isFalse();
  }

  @Test
  void aPlainResponseWithoutALimitGetsTheCapAsMaxOutputTokens() throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("input", "Hi");

    JsonNode sent = sent(ResponsesRequest.of(body), 300);

    assertThat(sent.has("stream")).isFalse();
    assertThat(sent.path("max_output_tokens").asLong()).isEqualTo(300);
  }

  @Test
  void aLimitAlreadyWrittenAndAnUnpricedModelAreLeftAlone() throws Exception {
    Map<String, Object> limited = chat("gpt-4o-mini");
    limited.put("max_tokens", 7);

    assertThat(sent(ChatRequest.of(limited), 500).path("max_tokens").asLong()).isEqualTo(7);
    // only keys without any budget reach the upstream with an unpriced model
    assertThat(sent(ChatRequest.of(chat("some-local-model")), 1_000_000).has("max_tokens"))
        .isFalse();
  }
}
