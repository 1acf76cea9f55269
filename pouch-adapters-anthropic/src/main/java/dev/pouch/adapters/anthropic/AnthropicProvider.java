package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.MessagesRequest;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UnpricedField;
import dev.pouch.domain.provider.UpstreamCall;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One key's {@code anthropic} provider: serves the Messages API, and chat completions translated to
 * it ({@link ChatToMessages}, answers back through {@link ChatAnswers}). A plain request goes
 * upstream as a stream ({@code "stream": true}) when the key streams plain requests, so an upstream
 * that ignores {@code max_tokens} is cut at the cap, and its answer is rebuilt losslessly from the
 * events ({@link MessageAssembler}); otherwise (Anthropic's own API by default) it goes plain, its
 * {@code max_tokens} the reserved cap, and its answer is passed on (translated for chat) with the
 * usage it reports.
 */
final class AnthropicProvider implements Provider {
  private final AnthropicHttp http;
  private final AnthropicPrices prices;
  private final ObjectMapper json;
  private final MessagesPromptBound bound;
  private final ChatToMessages translation;
  private final boolean streamPlainRequests;
  private final Clock clock = Clock.systemUTC();

  AnthropicProvider(
      AnthropicHttp http, AnthropicPrices prices, ObjectMapper json, boolean streamPlainRequests) {
    this.http = http;
    this.streamPlainRequests = streamPlainRequests;
    this.prices = prices;
    this.json = json;
    this.bound = new MessagesPromptBound(json);
    this.translation = new ChatToMessages(json);
  }

  @Override
  public boolean serves(String api) {
    return Operation.MESSAGES.equals(api) || Operation.CHAT_COMPLETIONS.equals(api);
  }

  @Override
  public Optional<ModelInfo> model(String name) {
    return prices.model(name);
  }

  @Override
  public List<ModelInfo> models() {
    return prices.models();
  }

  @Override
  public long estimatePromptTokens(Operation request) {
    return bound.of(messages(request, ChatToMessages.NO_LIMIT_YET));
  }

  @Override
  public Optional<UnpricedField> unpricedField(Operation request) {
    if (request instanceof ChatRequest chat) {
      Optional<UnpricedField> image = ChatToMessages.unpriced(chat);
      return image.isPresent()
          ? image
          : MessagesFields.unpriced(translation.translate(chat, ChatToMessages.NO_LIMIT_YET));
    }
    return MessagesFields.unpriced(MessagesRequest.of(request));
  }

  /**
   * The Messages request an operation is or stands for.
   *
   * @throws dev.pouch.domain.error.RequestRejectedException for a chat request that cannot be
   *     translated (before anything is reserved: the prompt bound asks first)
   */
  private MessagesRequest messages(Operation request, long plannedLimit) {
    return request instanceof ChatRequest chat
        ? translation.translate(chat, plannedLimit)
        : MessagesRequest.of(request);
  }

  @Override
  public Optional<ProviderResponse.Complete> countTokens(
      Map<String, Object> body, Map<String, String> headers) {
    try {
      return Optional.of(http.countTokens(json.writeValueAsBytes(body), headers));
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  @Override
  public ProviderResponse execute(Operation operation, UpstreamCall call) {
    MessagesRequest request = messages(operation, Math.max(1, call.outputCap()));
    boolean chat = operation instanceof ChatRequest;
    boolean includeUsage = chat && ((ChatRequest) operation).includeUsage();
    // max_tokens is always set (required, and the core writes the reserved cap into it), so a
    // plain request cannot ask for more output than was reserved.
    boolean upstreamStream = request.stream() || streamPlainRequests;
    byte[] body;
    try {
      body = json.writeValueAsBytes(request.with("stream", upstreamStream).body());
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException(impossible);
    }
    boolean mayWriteCache = request.mayWritePromptCache();
    ProviderResponse answer =
        http.post(
            body,
            upstreamStream,
            call.requestId(),
            request.headers(),
            (upstreamCall, response) -> {
              if (!upstreamStream) {
                return PlainMessage.read(response, json, mayWriteCache, chat, clock);
              }
              MessagesStream stream =
                  new MessagesStream(upstreamCall, response, json, mayWriteCache);
              if (request.stream()) {
                return new ProviderResponse.Streaming(
                    response.code(),
                    AnthropicHttp.headers(response, "text/event-stream"),
                    chat
                        ? new ChatChunkStream(
                            stream, json, includeUsage, clock.instant().getEpochSecond())
                        : stream);
              }
              Map<String, String> headers = AnthropicHttp.headers(response, "application/json");
              headers.put("Content-Type", "application/json");
              MessageAssembler message = new MessageAssembler(json, stream);
              return new ProviderResponse.Assembling(
                  200,
                  headers,
                  stream,
                  chat ? new ChatCompletionAssembler(json, message, clock) : message);
            });
    return chat ? ChatErrors.inOpenAisShape(answer, json) : answer;
  }
}
