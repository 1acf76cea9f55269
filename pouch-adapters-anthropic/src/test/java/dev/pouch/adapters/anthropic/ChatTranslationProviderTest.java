package dev.pouch.adapters.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import dev.pouch.domain.provider.UpstreamStream;
import dev.pouch.testkit.PlainAnswers;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Chat completions through the {@code anthropic} provider against the fake Anthropic upstream over
 * real HTTP: translated up, metered as Messages streams, framed back as OpenAI's.
 */
class ChatTranslationProviderTest {
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

  private static ChatRequest chat(boolean stream, long maxTokens, boolean tools) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "claude-haiku-4-5");
    body.put("max_tokens", maxTokens);
    body.put(
        "messages",
        List.of(
            Map.of("role", "system", "content", "Be brief."),
            Map.of("role", "user", "content", "Hello there")));
    if (stream) {
      body.put("stream", true);
      body.put("stream_options", Map.of("include_usage", true));
    }
    if (tools) {
      body.put(
          "tools",
          List.of(
              Map.of(
                  "type",
                  "function",
                  "function",
                  Map.of(
                      "name",
                      "get_weather",
                      "parameters",
                      Map.of("type", "object", "properties", Map.of())))));
    }
    return ChatRequest.of(body);
  }

  /** The data of each chunk, {@code [DONE]} included. */
  private static List<String> events(UpstreamStream stream) throws Exception {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] chunk;
    while ((chunk = stream.next()) != null) {
      all.writeBytes(chunk);
    }
    stream.close();
    List<String> data = new ArrayList<>();
    for (String event : all.toString(StandardCharsets.UTF_8).split("\n\n")) {
      assertThat(event).startsWith("data: ");
      data.add(event.substring(6));
    }
    return data;
  }

  @Test
  void aPlainChatRequestIsAnsweredAsAChatCompletionMeteredFromTheMessagesStream() throws Exception {
    ProviderResponse response =
        provider.execute(chat(false, 100, false), new UpstreamCall("req_chat", 100));
    ProviderResponse.Complete complete = PlainAnswers.read(response, 100);

    JsonNode completion = JSON.readTree(complete.body());
    FakeAnthropicUpstream.Served served = upstream.servedByRequest().get("req_chat");
    assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
    assertThat(completion.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo(FakeAnthropicUpstream.TEXT);
    assertThat(completion.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    assertThat(completion.path("usage").path("prompt_tokens").asLong())
        .isEqualTo(served.inputTokens());
    assertThat(completion.path("usage").path("completion_tokens").asLong()).isEqualTo(14);
    assertThat(complete.usage().promptTokens()).isEqualTo(served.inputTokens());
    assertThat(complete.usage().completionTokens()).isEqualTo(served.outputTokens());
  }

  @Test
  void aStreamedToolCallBecomesRoleToolCallFinishAndUsageChunks() throws Exception {
    ProviderResponse response =
        provider.execute(chat(true, 100, true), new UpstreamCall("req_tool", 100));
    UpstreamStream stream = ((ProviderResponse.Streaming) response).stream();
    List<String> data = events(stream);

    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    List<JsonNode> chunks = new ArrayList<>();
    for (String event : data.subList(0, data.size() - 1)) {
      chunks.add(JSON.readTree(event));
    }
    assertThat(chunks).allMatch(c -> "chat.completion.chunk".equals(c.path("object").asText()));
    assertThat(chunks.get(0).path("choices").get(0).path("delta").path("role").asText())
        .isEqualTo("assistant");
    StringBuilder text = new StringBuilder();
    StringBuilder arguments = new StringBuilder();
    String toolName = null;
    String finish = null;
    for (JsonNode chunk : chunks) {
      for (JsonNode choice : chunk.path("choices")) {
        text.append(choice.path("delta").path("content").asText(""));
        for (JsonNode call : choice.path("delta").path("tool_calls")) {
          assertThat(call.path("index").asInt()).isZero();
          if (call.has("id")) {
            toolName = call.path("function").path("name").asText();
          }
          arguments.append(call.path("function").path("arguments").asText(""));
        }
        if (!choice.path("finish_reason").isNull()) {
          finish = choice.path("finish_reason").asText();
        }
      }
    }
    assertThat(text.toString()).isEqualTo("I will call the tool.");
    assertThat(toolName).isEqualTo("get_weather");
    assertThat(JSON.readTree(arguments.toString()))
        .isEqualTo(JSON.readTree("{\"location\":\"Paris\",\"unit\":\"celsius\"}"));
    assertThat(finish).isEqualTo("tool_calls");
    JsonNode usage = chunks.get(chunks.size() - 1);
    assertThat(usage.path("choices")).isEmpty();
    FakeAnthropicUpstream.Served served = upstream.servedByRequest().get("req_tool");
    assertThat(usage.path("usage").path("completion_tokens").asLong())
        .isEqualTo(served.outputTokens());
    assertThat(stream.finished()).isTrue();
    assertThat(stream.usage().completionTokens()).isEqualTo(served.outputTokens());
    assertThat(stream.usage().promptTokens()).isEqualTo(served.inputTokens());
  }

  @Test
  void aStreamPastTheCapIsCutWithALengthFinishAndDone() throws Exception {
    upstream.ignoreMaxTokens(true);
    ProviderResponse response =
        provider.execute(chat(true, 5, false), new UpstreamCall("req_cut", 5));
    UpstreamStream stream = ((ProviderResponse.Streaming) response).stream();
    while (stream.producedAtLeast() <= 5) {
      assertThat(stream.next()).isNotNull();
    }
    stream.close();

    String trailer = new String(stream.cutTrailer(), StandardCharsets.UTF_8);
    assertThat(trailer).contains("\"finish_reason\":\"length\"").endsWith("data: [DONE]\n\n");
    assertThat(stream.usage()).isEqualTo(Usage.UNKNOWN);
    assertThat(stream.finished()).isFalse();
    assertThat(new String(stream.errorEvent("broke"), StandardCharsets.UTF_8))
        .startsWith("data: {\"error\":{\"message\":\"broke\"");
  }

  @Test
  void anUpstreamErrorIsWordedInOpenAisShape() throws Exception {
    upstream.failWithStatus(529);
    ProviderResponse.Complete complete =
        (ProviderResponse.Complete)
            provider.execute(chat(false, 5, false), new UpstreamCall("req_err", 5));

    assertThat(complete.status()).isEqualTo(529);
    JsonNode error = JSON.readTree(complete.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("overloaded_error");
    assertThat(error.path("message").asText()).isEqualTo("failing on purpose");
  }

  @Test
  void anUntranslatableRequestIsRefusedBeforeAnythingIsSent() {
    ChatRequest request = chat(false, 5, false).with("logprobs", true);

    RequestRejectedException bound =
        catchThrowableOfType(
            RequestRejectedException.class, () -> provider.estimatePromptTokens(request));
    RequestRejectedException sent =
        catchThrowableOfType(
            RequestRejectedException.class,
            () -> provider.execute(request, new UpstreamCall("req_no", 5)));

    assertThat(bound.param()).isEqualTo("logprobs");
    assertThat(sent.param()).isEqualTo("logprobs");
    assertThat(upstream.requestsReceived()).isZero();
  }

  @Test
  void thePromptBoundIsTheTranslatedRequestsAndCoversWhatTheFakeBilled() throws Exception {
    ChatRequest request = chat(false, 100, true);
    long bound = provider.estimatePromptTokens(request);
    PlainAnswers.read(provider.execute(request, new UpstreamCall("req_b", 100)), 100);

    assertThat(bound).isGreaterThanOrEqualTo(upstream.servedByRequest().get("req_b").inputTokens());
    assertThat(provider.unpricedField(request)).isEmpty();
  }
}
