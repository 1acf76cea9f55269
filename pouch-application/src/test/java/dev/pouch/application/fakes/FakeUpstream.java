package dev.pouch.application.fakes;

import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.money.Micros;
import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderFactory;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A scriptable upstream behind the provider id {@value #PROVIDER_ID}: the test decides how every
 * call is answered (a complete answer with usage, an error status, a stream, an exception) and sees
 * every request that reached it. Prices are whole micro-dollars per token, so expected costs are
 * plain arithmetic.
 */
public final class FakeUpstream {
  /** A base URL whose provider fails to build with an exception that quotes the API key. */
  public static final String CRASHING_BASE_URL = "crash:";

  public static final String PROVIDER_ID = "fake";

  /**
   * The default model: {@value #INPUT_MICROS} µ$ per prompt token, {@value #OUTPUT_MICROS} µ$ out.
   */
  public static final String MODEL = "fake-model";

  public static final long INPUT_MICROS = 1;
  public static final long OUTPUT_MICROS = 2;

  /** A second, dearer model: {@value #DEAR_INPUT_MICROS} and {@value #DEAR_OUTPUT_MICROS} µ$. */
  public static final String DEAR_MODEL = "fake-dear";

  public static final long DEAR_INPUT_MICROS = 3;
  public static final long DEAR_OUTPUT_MICROS = 10;

  /** A model the fake serves but has no price for. */
  public static final String UNPRICED_MODEL = "fake-unpriced";

  public static final long MAX_OUTPUT = 4_096;

  /** Tokens billed by the default answer ({@link #defaultAnswer()}). */
  public static final long ANSWER_PROMPT_TOKENS = 80;

  public static final long ANSWER_COMPLETION_TOKENS = 10;

  /** Prompt tokens the fake estimates for every request unless told otherwise. */
  public static final long DEFAULT_PROMPT_ESTIMATE = 100;

  private final Map<String, ModelInfo> models = new ConcurrentHashMap<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final AtomicInteger providersCreated = new AtomicInteger();
  private final AtomicInteger providersClosed = new AtomicInteger();
  private volatile long promptEstimate = DEFAULT_PROMPT_ESTIMATE;
  private volatile Function<Call, ProviderResponse> answer = call -> defaultAnswer();

  /** One request as it reached the upstream. */
  public record Call(ChatRequest request, UpstreamCall upstreamCall, PluginConfig config) {}

  public FakeUpstream() {
    model(MODEL, perToken(INPUT_MICROS, OUTPUT_MICROS), MAX_OUTPUT);
    model(DEAR_MODEL, perToken(DEAR_INPUT_MICROS, DEAR_OUTPUT_MICROS), MAX_OUTPUT);
    model(UNPRICED_MODEL, null, MAX_OUTPUT);
  }

  /** A price of whole micro-dollars per token. */
  public static ModelPrice perToken(long inputMicros, long outputMicros) {
    return ModelPrice.of(
        inputMicros * Micros.TOKENS_PER_PRICE_UNIT, outputMicros * Micros.TOKENS_PER_PRICE_UNIT);
  }

  /** Adds or replaces a model. */
  public FakeUpstream model(String id, ModelPrice price, long maxOutput) {
    models.put(id, new ModelInfo(id, price, 128_000, maxOutput));
    return this;
  }

  /** Prompt tokens {@link Provider#estimatePromptTokens} returns from now on. */
  public FakeUpstream estimatePromptTokens(long tokens) {
    this.promptEstimate = tokens;
    return this;
  }

  /** How calls are answered from now on; the function may throw to simulate a failure. */
  public FakeUpstream answer(Function<Call, ProviderResponse> answer) {
    this.answer = answer;
    return this;
  }

  /** Answers every call with a stream made fresh for it. */
  public FakeUpstream answerWithStream(Function<Call, FakeStream> streams) {
    return answer(call -> streaming(streams.apply(call)));
  }

  /** The calls that reached the upstream, in order. */
  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The only call; fails unless there was exactly one. */
  public Call onlyCall() {
    if (calls.size() != 1) {
      throw new AssertionError("expected one upstream call, got " + calls.size());
    }
    return calls.get(0);
  }

  public int providersCreated() {
    return providersCreated.get();
  }

  public int providersClosed() {
    return providersClosed.get();
  }

  /** What every call gets unless the test says otherwise: a short successful answer. */
  public static ProviderResponse.Complete defaultAnswer() {
    return ok(ANSWER_PROMPT_TOKENS, ANSWER_COMPLETION_TOKENS);
  }

  /** A successful answer billing {@code prompt} and {@code completion} tokens. */
  public static ProviderResponse.Complete ok(long prompt, long completion) {
    return new ProviderResponse.Complete(
        200, json(), answerBody(prompt, completion), Usage.reported(prompt, completion));
  }

  /** A successful answer whose usage the upstream did not report. */
  public static ProviderResponse.Complete okWithoutUsage() {
    return new ProviderResponse.Complete(200, json(), answerBody(0, 0), Usage.UNKNOWN);
  }

  /** An upstream error response, which bills nothing (zero usage, as the port asks). */
  public static ProviderResponse.Complete upstreamError(int status) {
    byte[] body =
        ("{\"error\":{\"message\":\"upstream says " + status + "\"}}")
            .getBytes(StandardCharsets.UTF_8);
    return new ProviderResponse.Complete(status, json(), body, Usage.reported(0, 0));
  }

  public static ProviderResponse.Streaming streaming(FakeStream stream) {
    return new ProviderResponse.Streaming(200, Map.of("Content-Type", "text/event-stream"), stream);
  }

  /** The body {@link #ok} answers with. */
  public static byte[] answerBody(long prompt, long completion) {
    return ("{\"object\":\"chat.completion\",\"usage\":{\"prompt_tokens\":"
            + prompt
            + ",\"completion_tokens\":"
            + completion
            + "}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, String> json() {
    return Map.of("Content-Type", "application/json");
  }

  /** The provider plugin to register on the builder. */
  public ProviderFactory factory() {
    return new ProviderFactory() {
      @Override
      public PluginInfo info() {
        return new PluginInfo(
            PROVIDER_ID,
            "Fake upstream",
            "Answers as the test scripts it.",
            PluginSchema.of(
                SchemaField.builder("api_key", FieldType.SECRET).build(),
                SchemaField.builder("base_url", FieldType.STRING)
                    .defaultValue("https://upstream.test")
                    .max(200)
                    .build(),
                SchemaField.builder("timeout_seconds", FieldType.INTEGER)
                    .defaultValue(30L)
                    .min(1)
                    .max(600)
                    .build()),
            false);
      }

      /**
       * Refuses, as the {@code openai} provider does, a base URL its HTTP client could not use (one
       * with a line break); one starting {@value #CRASHING_BASE_URL} fails with an exception that
       * quotes the API key, as a careless third-party factory might.
       */
      @Override
      public Provider create(PluginConfig config) {
        String baseUrl = config.string("base_url", "");
        if (baseUrl.contains("\n")) {
          throw RequestRejectedException.invalidConfig(
              "provider.config.base_url", "base_url must not hold a line break");
        }
        if (baseUrl.startsWith(CRASHING_BASE_URL)) {
          throw new IllegalStateException("cannot connect with " + config.string("api_key", ""));
        }
        providersCreated.incrementAndGet();
        return new FakeProvider(config);
      }
    };
  }

  private final class FakeProvider implements Provider {
    private final PluginConfig config;

    FakeProvider(PluginConfig config) {
      this.config = config;
    }

    @Override
    public Optional<ModelInfo> model(String name) {
      return Optional.ofNullable(models.get(name));
    }

    @Override
    public List<ModelInfo> models() {
      return List.copyOf(models.values());
    }

    @Override
    public long estimatePromptTokens(Operation operation) {
      ChatRequest request = ChatRequest.of(operation);
      return promptEstimate;
    }

    @Override
    public ProviderResponse execute(Operation operation, UpstreamCall call) {
      ChatRequest request = ChatRequest.of(operation);
      Call received = new Call(request, call, config);
      calls.add(received);
      return answer.apply(received);
    }

    @Override
    public void close() {
      providersClosed.incrementAndGet();
    }
  }
}
