package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * The {@code anthropic} provider: Anthropic's Messages API by base URL and API key. One OkHttp
 * client serves every key (a large idle pool, no retries and no redirects: a re-sent POST could be
 * billed twice, D19/D28); a key's provider derives only its read timeout from it.
 */
public final class AnthropicProviderFactory implements ProviderFactory, AutoCloseable {
  public static final String ID = "anthropic";
  static final String API_KEY = "api_key";
  static final String BASE_URL = "base_url";
  static final String TIMEOUT_SECONDS = "timeout_seconds";
  static final String STREAM_PLAIN_REQUESTS = "stream_plain_requests";

  /** Anthropic's API root. */
  public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";

  static final int MAX_IDLE_CONNECTIONS = 1024;
  private static final long DEFAULT_TIMEOUT_SECONDS = 600;

  private final OkHttpClient client;
  private final AnthropicPrices prices;
  private final ObjectMapper json;
  private final PluginInfo info;

  public AnthropicProviderFactory() {
    this.client =
        new OkHttpClient.Builder()
            .connectionPool(new ConnectionPool(MAX_IDLE_CONNECTIONS, 1, TimeUnit.MINUTES))
            .connectTimeout(Duration.ofSeconds(10))
            .readTimeout(Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS))
            .retryOnConnectionFailure(false)
            // A followed redirect sends the request again: the upstream could bill it twice.
            .followRedirects(false)
            .followSslRedirects(false)
            .eventListenerFactory(BodyWritten.LISTENER)
            .build();
    this.prices = AnthropicPrices.bundled();
    this.json = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    this.info =
        new PluginInfo(
            ID,
            "Anthropic",
            "Anthropic's Messages API (POST /v1/messages) for Claude models. Priced from the"
                + " bundled table (input, output, cache writes and reads).",
            schema(),
            false);
  }

  private static PluginSchema schema() {
    return PluginSchema.of(
        SchemaField.builder(API_KEY, FieldType.SECRET)
            .displayName("API key")
            .description(
                "The Anthropic API key (sent as x-api-key). Visible ASCII only: no spaces or line"
                    + " breaks.")
            .max(4096)
            .required()
            .build(),
        SchemaField.builder(BASE_URL, FieldType.STRING)
            .displayName("Base URL")
            .description("The upstream's API root, without /v1.")
            .defaultValue(DEFAULT_BASE_URL)
            .max(2048)
            .role(PluginSchema.URL_ROLE)
            .build(),
        SchemaField.builder(TIMEOUT_SECONDS, FieldType.INTEGER)
            .displayName("Timeout (seconds)")
            .description("How long to wait for the upstream to answer or send the next event.")
            .defaultValue(DEFAULT_TIMEOUT_SECONDS)
            .min(1)
            .max(3600)
            .build(),
        SchemaField.builder(STREAM_PLAIN_REQUESTS, FieldType.BOOLEAN)
            .displayName("Stream plain requests upstream")
            .description(
                "Ask the upstream for a stream even when the client did not, so an upstream that"
                    + " ignores max_tokens is stopped at the budget's cap; the plain answer is"
                    + " rebuilt for the client. Unset: off on Anthropic's own API ("
                    + DEFAULT_BASE_URL
                    + "), which enforces max_tokens (plain requests go plain, capped at what was"
                    + " reserved); on for any other base URL.")
            // No static default: it depends on the base URL (streamsPlainRequests).
            .build());
  }

  /**
   * Whether a key's plain requests go upstream as streams: its own {@code stream_plain_requests},
   * else only when its base URL is not Anthropic's own API. Anthropic stops generation at {@code
   * max_tokens} (its stop reason then says {@code max_tokens}) and bills no output past it, so a
   * plain request there cannot overrun the reservation (D39); a proxy or a compatible server at
   * another URL may ignore the limit, and only a stream lets Pouch cut it.
   */
  static boolean streamsPlainRequests(PluginConfig config, HttpUrl base) {
    return config.bool(STREAM_PLAIN_REQUESTS, !base.equals(HttpUrl.get(DEFAULT_BASE_URL)));
  }

  @Override
  public PluginInfo info() {
    return info;
  }

  @Override
  public Provider create(PluginConfig config) {
    String apiKey = config.string(API_KEY, null);
    requireVisibleAscii(API_KEY, apiKey);
    String url = config.string(BASE_URL, DEFAULT_BASE_URL).strip();
    HttpUrl base = HttpUrl.parse(url);
    if (base == null) {
      throw RequestRejectedException.invalidConfig(
          "provider.config." + BASE_URL,
          "base_url must be an http(s) URL such as " + DEFAULT_BASE_URL);
    }
    Duration timeout = Duration.ofSeconds(config.integer(TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS));
    OkHttpClient keyClient = client.newBuilder().readTimeout(timeout).build();
    return new AnthropicProvider(
        new AnthropicHttp(base, apiKey, keyClient),
        prices,
        json,
        streamsPlainRequests(config, base));
  }

  private static void requireVisibleAscii(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw RequestRejectedException.invalidConfig(
          "provider.config." + field, field + " is required");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '!' || c > '~') {
        throw RequestRejectedException.invalidConfig(
            "provider.config." + field,
            field + " must hold visible ASCII characters only: no spaces or line breaks");
      }
    }
  }

  /**
   * The organization's bill ({@link AnthropicBill}) on this factory's HTTP client, covering the
   * keys whose requests go to {@code baseUrl}.
   *
   * @param adminKey an Anthropic admin key, or {@code null} (the bill is then unavailable)
   * @param baseUrl the API root of the Usage and Cost Admin API, without {@code /v1}
   * @throws IllegalArgumentException when {@code baseUrl} is not an http(s) URL
   */
  public AnthropicBill bill(String adminKey, String baseUrl) {
    HttpUrl base = HttpUrl.parse(baseUrl.strip());
    if (base == null) {
      throw new IllegalArgumentException("not an http(s) URL: " + baseUrl);
    }
    OkHttpClient reports = client.newBuilder().readTimeout(Duration.ofSeconds(60)).build();
    return new AnthropicBill(adminKey, base, reports, json);
  }

  /** Releases the shared connection pool and dispatcher threads. */
  @Override
  public void close() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
