package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.ResponsesRequest;
import dev.pouch.domain.provider.UnpricedField;
import dev.pouch.domain.provider.UpstreamCall;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import okhttp3.Call;
import okhttp3.Response;

/**
 * The Responses API ({@code POST /responses}): the prompt's bounds from {@link TokenCounter}, what
 * is refused on a key with a budget from {@link ResponsesFields}; a plain request goes upstream as
 * a stream and is assembled back ({@link ResponsesAssembler}), so an upstream that ignores {@code
 * max_output_tokens} is stopped at the cap; a stream is forwarded event by event ({@link
 * ResponsesStream}).
 */
final class Responses implements OpenAiApi {
  static final String PATH = "responses";

  private final ApiContext context;

  Responses(ApiContext context) {
    this.context = context;
  }

  @Override
  public long estimatePromptTokens(Operation operation) {
    ResponsesRequest request = ResponsesRequest.of(operation);
    return context
        .tokens()
        .promptTokens(request, context.prices().find(request.model()).orElse(null));
  }

  @Override
  public long boundPromptTokens(Operation operation) {
    ResponsesRequest request = ResponsesRequest.of(operation);
    return context
        .tokens()
        .promptTokensBound(request, context.prices().find(request.model()).orElse(null));
  }

  @Override
  public long promptTokensAtLeast(Operation operation) {
    return context.tokens().promptTokensAtLeast(ResponsesRequest.of(operation));
  }

  /** See {@link ResponsesFields}: stored context, fee tools, background, unknown fields. */
  @Override
  public Optional<UnpricedField> unpricedField(Operation operation) {
    return ResponsesFields.unpriced(ResponsesRequest.of(operation), context.extraFields());
  }

  @Override
  public ProviderResponse execute(Operation operation, UpstreamCall upstreamCall) {
    ResponsesRequest request = ResponsesRequest.of(operation);
    ChatCompletions.requireStandardPricing(request.body().get("service_tier"));
    PricedModel priced = context.prices().find(request.model()).orElse(null);
    boolean assemble = !request.stream() && context.streamPlainRequests();
    ResponsesRequest upstream =
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
            OpenAiProvider.json(upstream.body()),
            upstream.stream(),
            (call, response) -> read(call, response, request, upstream, priced, assemble));
  }

  private ProviderResponse read(
      Call call,
      Response response,
      ResponsesRequest request,
      ResponsesRequest upstream,
      PricedModel priced,
      boolean assemble)
      throws IOException {
    boolean hidden = ChatCompletions.mayHideOutput(request.body(), priced);
    if (upstream.stream() && OpenAiHttp.isEventStream(response)) {
      ResponsesStream stream =
          new ResponsesStream(
              call,
              response,
              context.tokens(),
              priced,
              () -> estimatePromptTokens(request),
              hidden);
      return OpenAiHttp.streamed(response, stream, new ResponsesAssembler(stream), assemble);
    }
    ProviderResponse.Complete complete =
        OpenAiHttp.complete(response, body -> usageOf(body, request, priced, hidden));
    return complete.withAnswerId(response.code() == 200 ? answerId(complete.body()) : null);
  }

  /** The {@code id} of a plain response object, or null when it has none. */
  private static String answerId(byte[] body) {
    try {
      JsonNode id = OpenAiProvider.MAPPER.readTree(body).get("id");
      return id != null && id.isTextual() ? id.asText() : null;
    } catch (IOException notJson) {
      return null;
    }
  }

  /**
   * Usage of a plain response: as reported; else counted from its output (every string of every
   * output item); unknown when output may be hidden (reasoning), so charged in full.
   */
  private Usage usageOf(byte[] body, ResponsesRequest request, PricedModel priced, boolean hidden) {
    JsonNode answer;
    try {
      answer = OpenAiProvider.MAPPER.readTree(body);
    } catch (IOException notJson) {
      return Usage.UNKNOWN;
    }
    Optional<Usage> reported =
        OpenAiUsage.reported(answer.path("usage"), OpenAiUsage.UsageFields.RESPONSES);
    if (reported.isPresent()) {
      return reported.get();
    }
    if (hidden) {
      return Usage.UNKNOWN;
    }
    TokenEncoding encoding = priced == null ? TokenEncoding.BYTES : priced.encoding();
    long output = 0;
    for (JsonNode item : answer.path("output")) {
      output += strings(item, encoding);
    }
    return Usage.counted(estimatePromptTokens(request), output);
  }

  /** Tokens of every string inside an output item but its id and type, erring high. */
  private long strings(JsonNode node, TokenEncoding encoding) {
    if (node.isTextual()) {
      return context.tokens().count(node.asText(), encoding);
    }
    long count = 0;
    if (node.isArray()) {
      for (JsonNode element : node) {
        count += strings(element, encoding);
      }
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!field.getKey().equals("id") && !field.getKey().equals("type")) {
        count += strings(field.getValue(), encoding);
      }
    }
    return count;
  }
}
