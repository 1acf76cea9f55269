package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.CompletionRequest;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UnpricedField;
import dev.pouch.domain.provider.UpstreamCall;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import okhttp3.Call;
import okhttp3.Response;

/**
 * Legacy completions ({@code POST /completions}): prompt bounds from {@link CompletionPrompts}, a
 * plain request sent as a stream and assembled back ({@link CompletionAssembler}) so that an
 * upstream ignoring {@code max_tokens} is cut, usage from the answer or a count of its texts.
 *
 * <p>Two things differ from chat. With {@code echo} the answers start with their prompts, which the
 * lower bound of the output does not count ({@link EchoedPrompts}); a count of the texts does, and
 * errs high. With {@code best_of} above {@code n} the upstream bills candidates it never sends: the
 * output is hidden (a stream the client stops, or one without usage, is charged its reservation),
 * and OpenAI does not stream {@code best_of}, so such a plain request keeps the plain path.
 */
final class Completions implements OpenAiApi {
  static final String PATH = "completions";

  private final CompletionPrompts prompts;

  private final ApiContext context;

  Completions(ApiContext context) {
    this.context = context;
    this.prompts = new CompletionPrompts(context.tokens());
  }

  @Override
  public long estimatePromptTokens(Operation operation) {
    CompletionRequest request = CompletionRequest.of(operation);
    return prompts.bound(request, context.prices().find(request.model()).orElse(null));
  }

  /** UTF-8 bytes instead of tokens for every text: never below {@link #estimatePromptTokens}. */
  @Override
  public long boundPromptTokens(Operation operation) {
    return prompts.quickBound(CompletionRequest.of(operation));
  }

  @Override
  public long promptTokensAtLeast(Operation operation) {
    return prompts.atLeast(CompletionRequest.of(operation));
  }

  /** See {@link CompletionFields}: fields the key does not allow, and beam search. */
  @Override
  public Optional<UnpricedField> unpricedField(Operation operation) {
    return CompletionFields.unpriced(CompletionRequest.of(operation), context.extraFields());
  }

  @Override
  public ProviderResponse execute(Operation operation, UpstreamCall upstreamCall) {
    CompletionRequest request = CompletionRequest.of(operation);
    ChatCompletions.requireStandardPricing(request.body().get("service_tier"));
    PricedModel priced = context.prices().find(request.model()).orElse(null);
    boolean assemble = !request.stream() && context.streamPlainRequests() && streamable(request);
    CompletionRequest upstream = assemble ? request.with("stream", true) : request;
    return context
        .http()
        .post(
            PATH,
            request.model(),
            upstreamCall.requestId(),
            body(upstream),
            upstream.stream(),
            (call, response) -> read(call, response, request, upstream, priced, assemble));
  }

  /** OpenAI does not stream {@code best_of} ("results cannot be streamed"). */
  private static boolean streamable(CompletionRequest request) {
    Object bestOf = request.body().get("best_of");
    return bestOf == null || request.candidatesPerPrompt() == 1;
  }

  private ProviderResponse read(
      Call call,
      Response response,
      CompletionRequest request,
      CompletionRequest upstream,
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
              request.answers(),
              hidesOutput(request, priced),
              ChunkFacts.Shape.TEXT_COMPLETION,
              EchoedPrompts.of(request));
      return OpenAiHttp.streamed(response, stream, new CompletionAssembler(stream), assemble);
    }
    return OpenAiHttp.complete(response, body -> usageOf(body, request, priced));
  }

  /** Output the upstream bills and never streams: hidden reasoning, or unseen candidates. */
  private static boolean hidesOutput(CompletionRequest request, PricedModel priced) {
    return ChatCompletions.mayHideOutput(request.body(), priced) || request.billsUnseenCandidates();
  }

  /** The body sent upstream; streams ask for the usage chunk (the stream hides it if unasked). */
  private static byte[] body(CompletionRequest request) {
    Map<String, Object> body = new LinkedHashMap<>(request.body());
    if (request.stream()) {
      Map<String, Object> options = new LinkedHashMap<>();
      if (body.get("stream_options") instanceof Map<?, ?> given) {
        given.forEach((k, v) -> options.put(String.valueOf(k), v));
      }
      options.put("include_usage", true);
      body.put("stream_options", options);
    }
    return OpenAiProvider.json(body);
  }

  /**
   * Usage of a plain answer: as reported; else its texts counted (an echo counted with them, erring
   * high), unless it may hold output that cannot be seen: then unknown, and charged in full.
   */
  private Usage usageOf(byte[] body, CompletionRequest request, PricedModel priced) {
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
    if (hidesOutput(request, priced)) {
      return Usage.UNKNOWN;
    }
    TokenEncoding encoding = priced == null ? TokenEncoding.BYTES : priced.encoding();
    long completion = 0;
    for (JsonNode choice : answer.path("choices")) {
      completion += context.tokens().count(choice.path("text").asText(""), encoding);
    }
    return Usage.counted(estimatePromptTokens(request), completion);
  }
}
