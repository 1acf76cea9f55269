package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UnpricedField;
import dev.pouch.domain.provider.UpstreamCall;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import okhttp3.Call;
import okhttp3.Response;

/**
 * Chat completions ({@code POST /chat/completions}): prompt bounds from jtokkit, a plain request
 * sent as a stream and assembled back, usage from the answer (or a count when the upstream sends
 * none).
 */
final class ChatCompletions implements OpenAiApi {
  static final String PATH = "chat/completions";
  private static final Set<Object> STANDARD_OR_CHEAPER_TIERS = Set.of("auto", "default", "flex");

  private final ApiContext context;

  ChatCompletions(ApiContext context) {
    this.context = context;
  }

  @Override
  public long estimatePromptTokens(Operation operation) {
    ChatRequest request = ChatRequest.of(operation);
    return context
        .tokens()
        .promptTokens(request, context.prices().find(request.model()).orElse(null));
  }

  /** UTF-8 bytes instead of tokens for every text: see {@link TokenCounter#promptTokensBound}. */
  @Override
  public long boundPromptTokens(Operation operation) {
    ChatRequest request = ChatRequest.of(operation);
    return context
        .tokens()
        .promptTokensBound(request, context.prices().find(request.model()).orElse(null));
  }

  @Override
  public long promptTokensAtLeast(Operation operation) {
    return context.tokens().promptTokensAtLeast(ChatRequest.of(operation));
  }

  /** A predicted output's rejected tokens are billed as output beyond {@code max_tokens}. */
  @Override
  public long boundUncappedOutputTokens(Operation operation) {
    return context.tokens().predictionBound(ChatRequest.of(operation));
  }

  /** See {@link ChatFields}: audio, web search and fields the key does not allow. */
  @Override
  public Optional<UnpricedField> unpricedField(Operation operation) {
    return ChatFields.unpriced(ChatRequest.of(operation), context.extraFields());
  }

  @Override
  public ProviderResponse execute(Operation operation, UpstreamCall upstreamCall) {
    ChatRequest request = ChatRequest.of(operation);
    requireStandardPricing(request.body().get("service_tier"));
    PricedModel priced = context.prices().find(request.model()).orElse(null);
    // A plain request goes upstream as a stream, so an upstream that ignores max_tokens can be
    // stopped at the cap (DESIGN §3 step 5); the answer is assembled back for the client.
    boolean assemble = !request.stream() && context.streamPlainRequests() && !wantsAudio(request);
    ChatRequest upstream =
        assemble
            ? request.with("stream", true)
            : PlainCap.needed(request, priced)
                ? request.withMaxOutputTokens(PlainCap.perAnswer(request, upstreamCall))
                : request;
    return context
        .http()
        .post(
            PATH,
            request.model(),
            upstreamCall.requestId(),
            body(upstream, priced),
            upstream.stream(),
            (call, response) -> read(call, response, request, upstream, priced, assemble));
  }

  private ProviderResponse read(
      Call call,
      Response response,
      ChatRequest request,
      ChatRequest upstream,
      PricedModel priced,
      boolean assemble)
      throws IOException {
    if (upstream.stream() && OpenAiHttp.isEventStream(response)) {
      OpenAiStream stream =
          new OpenAiStream(
              call,
              response,
              context.tokens(),
              priced,
              () -> estimatePromptTokens(request), // counted only if no usage comes
              assemble || request.includeUsage(),
              request.choices(),
              mayHideOutput(request.body(), priced));
      return OpenAiHttp.streamed(response, stream, new StreamAssembler(stream), assemble);
    }
    return OpenAiHttp.complete(response, body -> usageOf(body, request, priced));
  }

  /**
   * Whether the upstream may bill output tokens it does not stream: a reasoning model, a request
   * asking for reasoning, or a model the table does not know.
   */
  static boolean mayHideOutput(Map<String, Object> body, PricedModel priced) {
    return priced == null
        || priced.reasoning()
        || body.containsKey("reasoning_effort")
        || body.containsKey("reasoning");
  }

  /**
   * The table holds standard-tier prices; the priority tier is billed above them, so it would be
   * under-counted. Flex is billed below them (over-counted, which is safe).
   */
  static void requireStandardPricing(Object tier) {
    if (tier != null && !STANDARD_OR_CHEAPER_TIERS.contains(tier)) {
      throw RequestRejectedException.invalidRequest(
          "service_tier",
          "service_tier '"
              + tier
              + "' is not supported: Pouch meters standard prices (use auto, default or flex).");
    }
  }

  /**
   * The body sent upstream. Streams ask for the usage chunk (the client's view is restored by the
   * stream); reasoning models get {@code max_completion_tokens}, the only limit they accept.
   */
  private static byte[] body(ChatRequest request, PricedModel priced) {
    Map<String, Object> body = new LinkedHashMap<>(request.body());
    if (request.stream()) {
      Map<String, Object> options = new LinkedHashMap<>();
      if (body.get("stream_options") instanceof Map<?, ?> given) {
        given.forEach((k, v) -> options.put(String.valueOf(k), v));
      }
      options.put("include_usage", true);
      body.put("stream_options", options);
    }
    if (priced != null
        && priced.reasoning()
        && body.containsKey("max_tokens")
        && !body.containsKey("max_completion_tokens")) {
      body.put("max_completion_tokens", body.remove("max_tokens"));
    }
    return OpenAiProvider.json(body);
  }

  /** Audio answers are not assembled from a stream; they keep the plain path. */
  private static boolean wantsAudio(ChatRequest request) {
    return request.body().get("modalities") instanceof List<?> modalities
        && modalities.contains("audio");
  }

  /**
   * Usage of a plain answer: as reported; else counted from the answer's text (a reasoning model's
   * hidden tokens cannot be counted, so then it is unknown and charged in full).
   */
  private Usage usageOf(byte[] body, ChatRequest request, PricedModel priced) {
    JsonNode answer;
    try {
      answer = OpenAiProvider.MAPPER.readTree(body);
    } catch (IOException notJson) {
      return Usage.UNKNOWN;
    }
    Optional<Usage> reported = OpenAiUsage.reported(answer.path("usage"));
    if (reported.isPresent()) {
      return reported.get();
    }
    if (priced != null && priced.reasoning()) {
      return Usage.UNKNOWN;
    }
    TokenEncoding encoding = priced == null ? TokenEncoding.BYTES : priced.encoding();
    long completion = 0;
    for (JsonNode choice : answer.path("choices")) {
      completion += OpenAiUsage.outputTokens(choice.path("message"), context.tokens(), encoding);
    }
    return Usage.counted(estimatePromptTokens(request), completion);
  }
}
