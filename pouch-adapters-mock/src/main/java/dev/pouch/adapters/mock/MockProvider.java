package dev.pouch.adapters.mock;

import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.UpstreamException;
import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.CompletionRequest;
import dev.pouch.domain.provider.EmbeddingsRequest;
import dev.pouch.domain.provider.MessagesRequest;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.ResponsesRequest;
import dev.pouch.domain.provider.UpstreamCall;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The mock provider for one key: knows every model name, answers chat from {@link MockCompletion},
 * embeddings from {@link MockEmbeddings}, legacy completions from {@link MockTextCompletion}, the
 * Responses API from {@link MockResponse} and Anthropic's Messages API from {@link MockMessage},
 * and reports exact usage. Stateless apart from its settings, hence thread-safe.
 */
final class MockProvider implements Provider {
  static final String PRICED_AS = "mock provider config";

  /** The model listed in {@code GET /v1/models}; any other name works as well. */
  static final String MODEL = "mock-model";

  private static final Map<String, String> JSON_HEADERS =
      Map.of("Content-Type", "application/json");
  private static final Map<String, String> SSE_HEADERS =
      Map.of("Content-Type", "text/event-stream", "Cache-Control", "no-cache");

  private final MockBehavior behavior;
  private final ModelPrice price;
  private final long contextWindow;
  private final long maxOutputTokens;

  MockProvider(MockBehavior behavior, ModelPrice price, long contextWindow, long maxOutputTokens) {
    this.behavior = behavior;
    this.price = price;
    this.contextWindow = contextWindow;
    this.maxOutputTokens = maxOutputTokens;
  }

  @Override
  public Optional<ModelInfo> model(String name) {
    return Optional.of(info(name));
  }

  @Override
  public List<ModelInfo> models() {
    return List.of(info(MODEL));
  }

  /** Chat completions, embeddings, legacy completions, the Responses API and Messages. */
  @Override
  public boolean serves(String api) {
    return Operation.CHAT_COMPLETIONS.equals(api)
        || Operation.EMBEDDINGS.equals(api)
        || Operation.COMPLETIONS.equals(api)
        || Operation.RESPONSES.equals(api)
        || Operation.MESSAGES.equals(api);
  }

  @Override
  public long estimatePromptTokens(Operation operation) {
    if (operation instanceof EmbeddingsRequest embeddings) {
      return MockEmbeddings.promptTokens(embeddings);
    }
    if (operation instanceof CompletionRequest completion) {
      return MockTextCompletion.promptTokens(completion);
    }
    if (operation instanceof ResponsesRequest responses) {
      return MockTokens.promptTokens(responses);
    }
    if (operation instanceof MessagesRequest messages) {
      return MockTokens.promptTokens(messages);
    }
    return MockTokens.promptTokens(ChatRequest.of(operation));
  }

  /**
   * Counts like the mock bills a Messages request ({@link MockTokens}), so Claude Code pointed at a
   * mock key gets its token counts too.
   */
  @Override
  public Optional<ProviderResponse.Complete> countTokens(
      Map<String, Object> body, Map<String, String> headers) {
    Map<String, Object> counted = new LinkedHashMap<>(body);
    counted.putIfAbsent("max_tokens", 1L); // required to generate, not to count
    long tokens = MockTokens.promptTokens(MessagesRequest.of(counted, headers));
    return Optional.of(
        new ProviderResponse.Complete(
            200,
            JSON_HEADERS,
            ("{\"input_tokens\":" + tokens + "}").getBytes(StandardCharsets.UTF_8),
            Usage.UNKNOWN));
  }

  /**
   * Streams when asked to (the stream is not cut at the output cap: with {@code ignore_max_tokens}
   * it deliberately runs past it, for Pouch to cut); otherwise waits {@code latency_ms} and returns
   * the whole answer, limited to {@link UpstreamCall#outputCap()} tokens.
   */
  @Override
  public ProviderResponse execute(Operation operation, UpstreamCall call) {
    if (operation instanceof EmbeddingsRequest embeddings) {
      sleep(behavior.latencyMs());
      MockEmbeddings answer = MockEmbeddings.of(embeddings);
      return new ProviderResponse.Complete(200, JSON_HEADERS, answer.toJson(), answer.usage());
    }
    GeneratedAnswer answer;
    boolean includeUsage;
    if (operation instanceof CompletionRequest completion) {
      answer = MockTextCompletion.of(completion, behavior);
      includeUsage = completion.includeUsage();
    } else if (operation instanceof ResponsesRequest responses) {
      answer = MockResponse.of(responses, behavior);
      includeUsage = true; // a Responses stream always ends with its usage
    } else if (operation instanceof MessagesRequest messages) {
      answer = MockMessage.of(messages, behavior);
      includeUsage = true; // message_delta always carries the output usage
    } else {
      ChatRequest chat = ChatRequest.of(operation);
      answer = MockCompletion.of(chat, behavior);
      includeUsage = chat.includeUsage();
    }
    if (operation.stream()) {
      return new ProviderResponse.Streaming(200, SSE_HEADERS, answer.stream(includeUsage));
    }
    sleep(behavior.latencyMs());
    GeneratedAnswer capped = answer.capped(call.outputCap());
    return new ProviderResponse.Complete(200, JSON_HEADERS, capped.toJson(true), capped.usage())
        .withAnswerId(capped.answerId().orElse(null));
  }

  private static void sleep(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new UpstreamException(
          ErrorCode.UPSTREAM_TIMEOUT, "interrupted while the mock was waiting", interrupted);
    }
  }

  /** The mock prices every model from the key's own config; the request log says so. */
  private ModelInfo info(String name) {
    return new ModelInfo(name, price, List.of(), contextWindow, maxOutputTokens, PRICED_AS);
  }
}
