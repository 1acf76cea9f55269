package dev.pouch.adapters.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
import java.util.Set;
import okhttp3.OkHttpClient;

/**
 * The {@code openai} provider for one key: prices from the price book, and one {@link OpenAiApi}
 * per API it serves (chat completions, embeddings, legacy completions, the Responses API), each
 * sending its requests over the shared OkHttp client ({@link OpenAiHttp}).
 */
final class OpenAiProvider implements Provider {
  static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private final Prices prices;
  private final Map<String, OpenAiApi> apis;
  private final UpstreamModels upstreamModels;
  private final OpenAiHttp http;

  OpenAiProvider(
      UpstreamEndpoint endpoint,
      boolean streamPlainRequests,
      Set<String> extraFields,
      OkHttpClient client,
      Prices prices,
      TokenCounter tokens,
      Clock clock) {
    this.prices = prices;
    this.upstreamModels = new UpstreamModels(endpoint, client, clock);
    this.http = new OpenAiHttp(endpoint, client);
    ApiContext context = new ApiContext(http, streamPlainRequests, extraFields, prices, tokens);
    this.apis =
        Map.of(
            Operation.CHAT_COMPLETIONS,
            new ChatCompletions(context),
            Operation.EMBEDDINGS,
            new Embeddings(context),
            Operation.COMPLETIONS,
            new Completions(context),
            Operation.RESPONSES,
            new Responses(context));
  }

  @Override
  public Optional<ModelInfo> model(String name) {
    return prices.modelInfo(name);
  }

  /**
   * The models the upstream lists that the price book prices (a dated snapshot by its base model's
   * entry); the price book's models when the upstream does not list its own.
   */
  @Override
  public List<ModelInfo> models() {
    Optional<Set<String>> served = upstreamModels.ids();
    if (served.isPresent()) {
      return served.get().stream().flatMap(id -> prices.modelInfo(id).stream()).toList();
    }
    String version = prices.version();
    return prices.models().stream().map(m -> m.toModelInfo(m.id(), version)).toList();
  }

  @Override
  public boolean serves(String api) {
    return apis.containsKey(api);
  }

  @Override
  public long estimatePromptTokens(Operation operation) {
    return api(operation).estimatePromptTokens(operation);
  }

  @Override
  public long boundPromptTokens(Operation operation) {
    return api(operation).boundPromptTokens(operation);
  }

  @Override
  public long promptTokensAtLeast(Operation operation) {
    return api(operation).promptTokensAtLeast(operation);
  }

  @Override
  public long boundUncappedOutputTokens(Operation operation) {
    return api(operation).boundUncappedOutputTokens(operation);
  }

  @Override
  public Optional<UnpricedField> unpricedField(Operation operation) {
    return api(operation).unpricedField(operation);
  }

  @Override
  public ProviderResponse execute(Operation operation, UpstreamCall call) {
    return api(operation).execute(operation, call);
  }

  /** A stored response's GET, DELETE, input items or cancel, passed as it is. */
  @Override
  public Optional<ProviderResponse.Complete> relay(String method, String path, String query) {
    return Optional.of(http.relay(method, path, query));
  }

  private OpenAiApi api(Operation operation) {
    OpenAiApi api = apis.get(operation.api());
    if (api == null) { // the core asks serves() first
      throw new IllegalArgumentException("the openai provider does not serve " + operation.api());
    }
    return api;
  }

  /** A parsed JSON tree as the bytes of a request body. */
  static byte[] json(Map<String, Object> body) {
    try {
      return MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException("a parsed JSON tree is always writable", impossible);
    }
  }
}
