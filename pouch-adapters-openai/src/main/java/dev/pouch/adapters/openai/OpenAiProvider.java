package dev.pouch.adapters.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.ErrorJson;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.error.UpstreamException;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UnpricedField;
import dev.pouch.domain.provider.UpstreamCall;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code openai} provider for one key: prices from the price book, prompt tokens from jtokkit,
 * the call over the shared OkHttp client, usage from the answer (or a count when the upstream sends
 * none).
 */
final class OpenAiProvider implements Provider {
  private static final Logger log = LoggerFactory.getLogger(OpenAiProvider.class);
  private static final MediaType JSON = MediaType.get("application/json");

  /** Upstream error bodies larger than this are cut: they are passed to the client as they are. */
  private static final long MAX_ERROR_BODY = 1 << 20;

  /** A plain answer larger than this is refused: it cannot be an honest chat completion. */
  private static final long MAX_ANSWER_BODY = 64L << 20;

  static final ObjectMapper MAPPER = JsonMapper.builder().build();
  private static final Set<Object> STANDARD_OR_CHEAPER_TIERS = Set.of("auto", "default", "flex");

  private final UpstreamEndpoint endpoint;
  private final boolean streamPlainRequests;
  private final Set<String> extraFields;
  private final OkHttpClient client;
  private final PriceBook prices;
  private final TokenCounter tokens;

  OpenAiProvider(
      UpstreamEndpoint endpoint,
      boolean streamPlainRequests,
      Set<String> extraFields,
      OkHttpClient client,
      PriceBook prices,
      TokenCounter tokens) {
    this.endpoint = endpoint;
    this.streamPlainRequests = streamPlainRequests;
    this.extraFields = Set.copyOf(extraFields);
    this.client = client;
    this.prices = prices;
    this.tokens = tokens;
  }

  @Override
  public Optional<ModelInfo> model(String name) {
    return prices.modelInfo(name);
  }

  @Override
  public List<ModelInfo> models() {
    String version = prices.version();
    return prices.models().stream().map(m -> m.toModelInfo(m.id(), version)).toList();
  }

  @Override
  public long estimatePromptTokens(Operation operation) {
    ChatRequest request = ChatRequest.of(operation);
    return tokens.promptTokens(request, prices.find(request.model()).orElse(null));
  }

  /** UTF-8 bytes instead of tokens for every text: see {@link TokenCounter#promptTokensBound}. */
  @Override
  public long boundPromptTokens(Operation operation) {
    ChatRequest request = ChatRequest.of(operation);
    return tokens.promptTokensBound(request, prices.find(request.model()).orElse(null));
  }

  @Override
  public long promptTokensAtLeast(Operation operation) {
    ChatRequest request = ChatRequest.of(operation);
    return tokens.promptTokensAtLeast(request);
  }

  /** A predicted output's rejected tokens are billed as output beyond {@code max_tokens}. */
  @Override
  public long boundUncappedOutputTokens(Operation operation) {
    ChatRequest request = ChatRequest.of(operation);
    return tokens.predictionBound(request);
  }

  /** See {@link ChatFields}: audio, web search and fields the key does not allow. */
  @Override
  public Optional<UnpricedField> unpricedField(Operation operation) {
    ChatRequest request = ChatRequest.of(operation);
    return ChatFields.unpriced(request, extraFields);
  }

  @Override
  public ProviderResponse execute(Operation operation, UpstreamCall upstreamCall) {
    ChatRequest request = ChatRequest.of(operation);
    requireStandardPricing(request);
    PricedModel priced = prices.find(request.model()).orElse(null);
    // A plain request goes upstream as a stream, so an upstream that ignores max_tokens can be
    // stopped at the cap (DESIGN §3 step 5); the answer is assembled back for the client.
    boolean assemble = !request.stream() && streamPlainRequests && !wantsAudio(request);
    ChatRequest upstream = assemble ? request.with("stream", true) : request;
    Request.Builder builder =
        endpoint
            .request()
            .header("Accept", upstream.stream() ? "text/event-stream" : "application/json")
            .header("X-Request-Id", upstreamCall.requestId())
            .post(RequestBody.create(body(upstream, priced), JSON));
    RequestSent sent = RequestSent.tag(builder);
    Call call = client.newCall(builder.build());
    Response response;
    try {
      response = call.execute();
    } catch (InterruptedIOException timeout) {
      throw failure(
          sent, ErrorCode.UPSTREAM_TIMEOUT, "The upstream did not answer in time.", timeout);
    } catch (IOException unreachable) {
      log.atWarn()
          .addKeyValue("upstream", endpoint.chatCompletions().host())
          .addKeyValue("reason", unreachable.toString())
          .addKeyValue("request_sent", sent.mayHaveReachedUpstream())
          .log("upstream unreachable");
      throw failure(
          sent,
          ErrorCode.UPSTREAM_UNREACHABLE,
          sent.mayHaveReachedUpstream()
              ? "The upstream closed the connection before answering."
              : "The upstream could not be reached.",
          unreachable);
    }
    try {
      if (response.code() >= 300 && response.code() < 400) {
        return redirectRefused(response);
      }
      if (!response.isSuccessful()) {
        return passThroughError(response);
      }
      if (upstream.stream() && isEventStream(response)) {
        Response streaming = response;
        response = null; // owned by the stream from here on
        OpenAiStream stream =
            new OpenAiStream(
                call,
                streaming,
                tokens,
                priced,
                () -> estimatePromptTokens(request), // counted only if no usage comes
                assemble || request.includeUsage(),
                request.choices(),
                mayHideOutput(request, priced));
        if (assemble) {
          return new ProviderResponse.Assembling(
              streaming.code(),
              headers(streaming, "application/json", true),
              stream,
              new StreamAssembler(stream));
        }
        return new ProviderResponse.Streaming(
            streaming.code(), headers(streaming, "text/event-stream", false), stream);
      }
      return complete(response, request, priced);
    } catch (InterruptedIOException timeout) {
      throw new UpstreamException(
          ErrorCode.UPSTREAM_TIMEOUT, "The upstream did not finish its answer in time.", timeout);
    } catch (IOException broken) {
      throw new UpstreamException(
          ErrorCode.UPSTREAM_UNREACHABLE, "The upstream broke off its answer.", broken);
    } finally {
      if (response != null) {
        response.close();
      }
    }
  }

  /**
   * The failure of a call that got no answer: refunded only if its body never reached the
   * connection, since the upstream may bill any request it received (G11).
   */
  private static UpstreamException failure(
      RequestSent sent, ErrorCode code, String message, IOException cause) {
    return sent.mayHaveReachedUpstream()
        ? new UpstreamException(code, message, cause)
        : UpstreamException.beforeSending(code, message, cause);
  }

  /**
   * Pouch never follows a redirect (OkHttp is told not to): following one would send the request,
   * and possibly bill it, twice. The redirect is answered as an upstream error, and charged like
   * one: the upstream had the request.
   */
  private static ProviderResponse redirectRefused(Response response) {
    log.atWarn()
        .addKeyValue("status", response.code())
        .log("the upstream answered with a redirect, which Pouch does not follow");
    return new ProviderResponse.Complete(
        502,
        Map.of("Content-Type", "application/json"),
        ErrorJson.upstreamError(
            "The upstream answered with a redirect ("
                + response.code()
                + "), which Pouch does not follow: check the key's base_url."),
        Usage.UNKNOWN);
  }

  /**
   * Whether the upstream may bill output tokens it does not stream: a reasoning model, a request
   * asking for reasoning, or a model the table does not know.
   */
  private static boolean mayHideOutput(ChatRequest request, PricedModel priced) {
    return priced == null
        || priced.reasoning()
        || request.body().containsKey("reasoning_effort")
        || request.body().containsKey("reasoning");
  }

  /**
   * The table holds standard-tier prices; the priority tier is billed above them, so it would be
   * under-counted. Flex is billed below them (over-counted, which is safe).
   */
  private static void requireStandardPricing(ChatRequest request) {
    Object tier = request.body().get("service_tier");
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
    try {
      return MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException("a parsed JSON tree is always writable", impossible);
    }
  }

  /** Audio answers are not assembled from a stream; they keep the plain path. */
  private static boolean wantsAudio(ChatRequest request) {
    return request.body().get("modalities") instanceof List<?> modalities
        && modalities.contains("audio");
  }

  private static boolean isEventStream(Response response) {
    String type = response.header("Content-Type", "");
    return type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
  }

  private ProviderResponse passThroughError(Response response) throws IOException {
    BufferedSource source = response.body().source();
    source.request(MAX_ERROR_BODY);
    long available = Math.min(source.getBuffer().size(), MAX_ERROR_BODY);
    byte[] body = source.getBuffer().readByteArray(available);
    return new ProviderResponse.Complete(
        response.code(), headers(response, "application/json", false), body, Usage.UNKNOWN);
  }

  private ProviderResponse complete(Response response, ChatRequest request, PricedModel priced)
      throws IOException {
    long declared = response.body().contentLength();
    if (declared > MAX_ANSWER_BODY) {
      throw new IOException("the upstream's answer is larger than " + MAX_ANSWER_BODY + " bytes");
    }
    byte[] body = response.body().bytes();
    Usage usage = usageOf(body, request, priced);
    return new ProviderResponse.Complete(
        response.code(), headers(response, "application/json", false), body, usage);
  }

  /**
   * Usage of a plain answer: as reported; else counted from the answer's text (a reasoning model's
   * hidden tokens cannot be counted, so then it is unknown and charged in full).
   */
  private Usage usageOf(byte[] body, ChatRequest request, PricedModel priced) {
    JsonNode answer;
    try {
      answer = MAPPER.readTree(body);
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
      completion += OpenAiUsage.outputTokens(choice.path("message"), tokens, encoding);
    }
    return Usage.counted(estimatePromptTokens(request), completion);
  }

  /**
   * The upstream headers worth passing on, with a content type ({@code type} itself when the body
   * was rebuilt, else the upstream's).
   */
  private static Map<String, String> headers(Response response, String type, boolean rebuilt) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", rebuilt ? type : response.header("Content-Type", type));
    for (String name : response.headers().names()) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.startsWith("x-ratelimit-")
          || lower.startsWith("openai-")
          || lower.equals("x-request-id")
          || lower.equals("retry-after")) {
        headers.put(name, response.header(name));
      }
    }
    return headers;
  }
}
