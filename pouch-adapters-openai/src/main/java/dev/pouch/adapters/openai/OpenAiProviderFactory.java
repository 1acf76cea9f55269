package dev.pouch.adapters.openai;

import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * The {@code openai} provider: OpenAI itself, Azure OpenAI, or any OpenAI-compatible upstream
 * (vLLM, Ollama, Groq, OpenRouter, LM Studio …) by {@link UpstreamPreset preset} or base URL,
 * priced by the server's price book under the key's own rows ({@link KeyPrices}). One OkHttp client
 * (connection pool, dispatcher) serves every key; a key's provider only derives its timeouts from
 * it.
 */
public final class OpenAiProviderFactory implements ProviderFactory, AutoCloseable {
  public static final String ID = "openai";
  static final String API_KEY = "api_key";
  static final String BASE_URL = "base_url";
  static final String ORGANIZATION = "organization";
  static final String TIMEOUT_SECONDS = "timeout_seconds";
  static final String STREAM_PLAIN_REQUESTS = "stream_plain_requests";
  static final String EXTRA_FIELDS = "extra_fields";
  static final String PRESET = "preset";
  static final String API_VERSION = "api_version";
  static final String DEPLOYMENTS = "deployments";
  static final String PRICES = "prices";

  /** Idle upstream connections kept for reuse, over all keys. */
  static final int MAX_IDLE_CONNECTIONS = 1024;

  private static final long DEFAULT_TIMEOUT_SECONDS = 600;

  private final OpenAiSettings settings;
  private final OkHttpClient client;
  private final PriceBook prices;
  private final TokenCounter tokens;
  private final PluginInfo info;
  private final Clock clock;

  public OpenAiProviderFactory(OpenAiSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    // Many concurrent calls to one host: the pool must keep as many idle connections as calls run
    // at once, or every call past it opens and closes its own (with 64, 200 concurrent calls left
    // ~8,500 sockets in TIME_WAIT per 15 s and cost 60 % more CPU per request). Idle ones close
    // after a minute.
    this.client =
        StaleConnectionGuard.install(
                new OkHttpClient.Builder(),
                new ConnectionPool(MAX_IDLE_CONNECTIONS, 1, TimeUnit.MINUTES))
            .connectTimeout(Duration.ofSeconds(10))
            .readTimeout(Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS))
            .addNetworkInterceptor(WatchdogReadTimeout::clearSocketTimeout)
            .retryOnConnectionFailure(false)
            // A followed redirect sends the request again: the upstream could bill it twice.
            .followRedirects(false)
            .followSslRedirects(false)
            .eventListenerFactory(RequestSent.LISTENER)
            .build();
    this.prices = new PriceBook(settings.pricesOverride(), clock);
    this.tokens = new TokenCounter();
    this.info = new PluginInfo(ID, "OpenAI", description(), schema(settings), false);
  }

  private static String description() {
    return "OpenAI, Azure OpenAI or any OpenAI-compatible upstream (OpenRouter, Groq, Together,"
        + " Mistral, DeepSeek, Gemini, Ollama, vLLM, LM Studio) by preset or base URL. Priced from"
        + " the bundled table, the data folder's prices.json and the key's own price rows.";
  }

  private static PluginSchema schema(OpenAiSettings settings) {
    return PluginSchema.of(
        SchemaField.builder(PRESET, FieldType.SELECT)
            .displayName("Preset")
            .description(
                "A known upstream: fills in its base URL and how it takes the API key (azure: the"
                    + " api-key header and deployment URLs). custom uses the base URL alone.")
            .options(UpstreamPreset.ids())
            .defaultValue(UpstreamPreset.CUSTOM.id())
            .build(),
        SchemaField.builder(API_KEY, FieldType.SECRET)
            .displayName("API key")
            .description(
                (settings.defaultApiKey() == null
                        ? "The upstream's API key"
                        : "The upstream's API key; empty uses the server's OPENAI_API_KEY for the"
                            + " custom and openai presets")
                    + ". Required except for the local presets (ollama, vllm, lmstudio). Visible"
                    + " ASCII only: no spaces or line breaks.")
            .max(4096)
            .build(),
        SchemaField.builder(BASE_URL, FieldType.STRING)
            .displayName("Base URL")
            .description(
                "The upstream's OpenAI-compatible API root, ending in /v1; empty uses the"
                    + " preset's, or "
                    + settings.defaultBaseUrl()
                    + " for custom. Azure: https://<resource>.openai.azure.com/openai (with an"
                    + " API version) or …/openai/v1.")
            .max(2048)
            .role(PluginSchema.URL_ROLE)
            .build(),
        SchemaField.builder(ORGANIZATION, FieldType.STRING)
            .displayName("Organization")
            .description(
                "Optional OpenAI organization id (sent as OpenAI-Organization). Visible ASCII"
                    + " only: no spaces or line breaks.")
            .max(256)
            .build(),
        SchemaField.builder(TIMEOUT_SECONDS, FieldType.INTEGER)
            .displayName("Timeout (seconds)")
            .description("How long to wait for the upstream to answer or send the next chunk.")
            .defaultValue(DEFAULT_TIMEOUT_SECONDS)
            .min(1)
            .max(3600)
            .build(),
        SchemaField.builder(STREAM_PLAIN_REQUESTS, FieldType.BOOLEAN)
            .displayName("Stream plain requests upstream")
            .description(
                "Ask the upstream for a stream even when the client did not, so an upstream that"
                    + " ignores max_tokens is stopped at the budget's cap; the plain answer is"
                    + " rebuilt for the client. Unset: off for OpenAI's own API (base URL "
                    + UpstreamPreset.OPENAI.baseUrl()
                    + ") and the azure preset, which enforce max_tokens (plain requests go plain,"
                    + " with the reserved cap written in); on for every other upstream.")
            // No static default: it depends on the preset and base URL (streamsPlainRequests).
            .build(),
        SchemaField.builder(EXTRA_FIELDS, FieldType.STRING)
            .displayName("Extra request fields")
            .description(
                "Top-level request fields beyond OpenAI's documented ones that keys with a budget"
                    + " may send to this upstream, comma-separated (e.g. top_k,"
                    + " chat_template_kwargs). Each is reserved as the bytes of its JSON in the"
                    + " prompt: list only fields that make the upstream bill no more than that."
                    + " Others are refused on keys with a budget.")
            .max(2048)
            .build(),
        SchemaField.builder(API_VERSION, FieldType.STRING)
            .displayName("Azure API version")
            .description(
                "Azure OpenAI only: the api-version of deployment URLs (e.g. 2024-10-21); empty"
                    + " when the base URL is Azure's /openai/v1 root.")
            .max(64)
            .build(),
        SchemaField.builder(DEPLOYMENTS, FieldType.STRING)
            .displayName("Azure deployments")
            .description(
                "Azure OpenAI only: model=deployment pairs, comma-separated, for models whose"
                    + " deployment has another name (a model without a pair is its own"
                    + " deployment's name). Requests name and are priced by the model.")
            .max(4096)
            .role(PluginSchema.PAIRS_ROLE)
            .build(),
        SchemaField.builder(PRICES, FieldType.STRING)
            .displayName("Own price rows")
            .description(
                "A JSON array of price entries in prices.json's format (docs/PRICES.md), for"
                    + " models the bundled table lacks or prices the key pays differently; they"
                    + " win over the server's rows. Keys with a budget refuse unpriced models.")
            .max(65536)
            .role(PluginSchema.JSON_ROLE)
            .build());
  }

  @Override
  public PluginInfo info() {
    return info;
  }

  @Override
  public Provider create(PluginConfig config) {
    UpstreamEndpoint endpoint = endpoint(config);
    Duration timeout = Duration.ofSeconds(config.integer(TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS));
    // newBuilder() shares the pool and dispatcher: only the timeouts differ per key.
    OkHttpClient keyClient = client.newBuilder().readTimeout(timeout).build();
    String ownPrices = config.string(PRICES, "");
    return new OpenAiProvider(
        endpoint,
        streamsPlainRequests(config, endpoint),
        extraFields(config.string(EXTRA_FIELDS, "")),
        keyClient,
        ownPrices.isBlank() ? prices : KeyPrices.parse(ownPrices, prices),
        tokens,
        clock);
  }

  /**
   * The organization's bill ({@link OpenAiBill}) on this factory's HTTP client, covering the keys
   * whose requests go to {@code baseUrl} (the server's default for keys that set none).
   *
   * @param adminKey an organization admin key, or {@code null} (the bill is then unavailable)
   * @param baseUrl the API root of the Costs and Usage APIs, such as {@value
   *     OpenAiSettings#OPENAI_BASE_URL}
   * @throws IllegalArgumentException when {@code baseUrl} is not an http(s) URL
   */
  public OpenAiBill bill(String adminKey, String baseUrl) {
    HttpUrl base = HttpUrl.parse(baseUrl);
    if (base == null) {
      throw new IllegalArgumentException("not an http(s) URL: " + baseUrl);
    }
    OkHttpClient reports = client.newBuilder().readTimeout(Duration.ofSeconds(60)).build();
    return new OpenAiBill(adminKey, base, reports, config -> sendsTo(config, base));
  }

  /** Whether a key with {@code config} sends its requests to {@code base}. */
  private boolean sendsTo(PluginConfig config, HttpUrl base) {
    try {
      return withoutTrailingSlash(endpoint(config).base()).equals(withoutTrailingSlash(base));
    } catch (RuntimeException invalidConfig) {
      return false;
    }
  }

  static String withoutTrailingSlash(HttpUrl url) {
    String text = url.toString();
    return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }

  /**
   * Whether a key's plain requests go upstream as streams: its own {@code stream_plain_requests},
   * else only where the upstream is not known to enforce {@code max_tokens} ({@link
   * UpstreamPreset#enforcesMaxTokens}).
   */
  boolean streamsPlainRequests(PluginConfig config, UpstreamEndpoint endpoint) {
    return config.bool(STREAM_PLAIN_REQUESTS, !preset(config).enforcesMaxTokens(endpoint.base()));
  }

  private static UpstreamPreset preset(PluginConfig config) {
    return UpstreamPreset.of(config.string(PRESET, UpstreamPreset.CUSTOM.id()));
  }

  /** Where a key's config sends its requests, and with which credentials. */
  UpstreamEndpoint endpoint(PluginConfig config) {
    UpstreamPreset preset = preset(config);
    return UpstreamEndpoint.of(
        baseUrl(config, preset),
        apiKey(config, preset),
        config.string(ORGANIZATION, null),
        azure(config, preset));
  }

  /** The key's base URL, else its preset's, else (custom) the server's default. */
  private String baseUrl(PluginConfig config, UpstreamPreset preset) {
    String own = config.string(BASE_URL, null);
    if (own != null && !own.isBlank()) {
      return own;
    }
    if (preset.baseUrl() != null) {
      return preset.baseUrl();
    }
    if (preset == UpstreamPreset.AZURE) {
      throw RequestRejectedException.invalidConfig(
          UpstreamEndpoint.param(BASE_URL),
          "the azure preset needs the resource's base_url, such as"
              + " https://<resource>.openai.azure.com/openai");
    }
    return settings.defaultBaseUrl();
  }

  /**
   * The key's API key, else the server's for the presets that may send it: never to a third party's
   * host.
   */
  private String apiKey(PluginConfig config, UpstreamPreset preset) {
    String own = config.string(API_KEY, null);
    if (own != null && !own.isEmpty()) {
      return own;
    }
    String fallback = preset.mayUseServerKey() ? settings.defaultApiKey() : null;
    if (fallback == null && preset.needsApiKey()) {
      throw RequestRejectedException.invalidConfig(
          UpstreamEndpoint.param(API_KEY),
          "config field 'api_key' is required"
              + (preset == UpstreamPreset.CUSTOM ? "" : " for the " + preset.id() + " preset"));
    }
    return fallback;
  }

  /** Azure's addressing for the azure preset; the Azure fields are refused on the others. */
  private static UpstreamEndpoint.Azure azure(PluginConfig config, UpstreamPreset preset) {
    String apiVersion = config.string(API_VERSION, "");
    String deployments = config.string(DEPLOYMENTS, "");
    if (preset != UpstreamPreset.AZURE) {
      for (String field : new String[] {API_VERSION, DEPLOYMENTS}) {
        if (!config.string(field, "").isBlank()) {
          throw RequestRejectedException.invalidConfig(
              UpstreamEndpoint.param(field), field + " applies to the azure preset only");
        }
      }
      return null;
    }
    return new UpstreamEndpoint.Azure(
        apiVersion.isBlank() ? null : apiVersion.strip(), PluginSchema.parsePairs(deployments));
  }

  /** The names of a comma-separated list, blanks dropped. */
  static Set<String> extraFields(String list) {
    Set<String> fields = new LinkedHashSet<>();
    for (String name : list.split(",")) {
      if (!name.isBlank()) {
        fields.add(name.strip());
      }
    }
    return fields;
  }

  /** The price book (bundled table plus the override file). */
  public PriceBook prices() {
    return prices;
  }

  /** Releases the shared connection pool and dispatcher threads. */
  @Override
  public void close() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
