package dev.pouch.adapters.openai;

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
import okhttp3.OkHttpClient;

/**
 * The {@code openai} provider: OpenAI itself or any OpenAI-compatible upstream (vLLM, Ollama, Groq,
 * OpenRouter, LM Studio …) by base URL. One OkHttp client (connection pool, dispatcher) serves
 * every key; a key's provider only derives its timeouts from it.
 */
public final class OpenAiProviderFactory implements ProviderFactory, AutoCloseable {
  public static final String ID = "openai";
  static final String API_KEY = "api_key";
  static final String BASE_URL = "base_url";
  static final String ORGANIZATION = "organization";
  static final String TIMEOUT_SECONDS = "timeout_seconds";
  static final String STREAM_PLAIN_REQUESTS = "stream_plain_requests";
  static final String EXTRA_FIELDS = "extra_fields";

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
    return "OpenAI or any OpenAI-compatible upstream (vLLM, Ollama, Groq, OpenRouter, LM Studio)"
        + " by base URL. Priced from the bundled table and the data folder's prices.json.";
  }

  private static PluginSchema schema(OpenAiSettings settings) {
    SchemaField.Builder apiKey =
        SchemaField.builder(API_KEY, FieldType.SECRET)
            .displayName("API key")
            .description(
                (settings.defaultApiKey() == null
                        ? "The upstream's API key"
                        : "The upstream's API key; empty uses the server's OPENAI_API_KEY")
                    + ". Visible ASCII only: no spaces or line breaks.")
            .max(4096);
    if (settings.defaultApiKey() == null) {
      apiKey.required();
    }
    return PluginSchema.of(
        apiKey.build(),
        SchemaField.builder(BASE_URL, FieldType.STRING)
            .displayName("Base URL")
            .description("The upstream's OpenAI-compatible API root, ending in /v1.")
            .defaultValue(settings.defaultBaseUrl())
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
                    + " rebuilt for the client. Turn off only for upstreams that cannot stream.")
            .defaultValue(true)
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
            .build());
  }

  @Override
  public PluginInfo info() {
    return info;
  }

  @Override
  public Provider create(PluginConfig config) {
    String apiKey = config.string(API_KEY, settings.defaultApiKey());
    String baseUrl = config.string(BASE_URL, settings.defaultBaseUrl());
    UpstreamEndpoint endpoint =
        UpstreamEndpoint.of(baseUrl, apiKey, config.string(ORGANIZATION, null));
    Duration timeout = Duration.ofSeconds(config.integer(TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS));
    // newBuilder() shares the pool and dispatcher: only the timeouts differ per key.
    OkHttpClient keyClient = client.newBuilder().readTimeout(timeout).build();
    return new OpenAiProvider(
        endpoint,
        config.bool(STREAM_PLAIN_REQUESTS, true),
        extraFields(config.string(EXTRA_FIELDS, "")),
        keyClient,
        prices,
        tokens,
        clock);
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
