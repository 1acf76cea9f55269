package dev.pouch.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pouch.adapters.anthropic.AnthropicProviderFactory;
import dev.pouch.adapters.mock.MockProviderFactory;
import dev.pouch.adapters.openai.OpenAiProviderFactory;
import dev.pouch.adapters.openai.OpenAiSettings;
import dev.pouch.adapters.redis.RedisLimitCounters;
import dev.pouch.adapters.webhook.JdkWebhookSender;
import dev.pouch.adapters.webhook.WebhookRetry;
import dev.pouch.application.Pouch;
import dev.pouch.application.limits.LocalLimitCounters;
import dev.pouch.application.middlewares.BuiltinMiddlewares;
import dev.pouch.application.retention.RequestLogPruner;
import dev.pouch.application.retention.RetentionPolicy;
import dev.pouch.domain.bill.ProviderBill;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.key.AppKey;
import dev.pouch.server.admin.AdminRoutes;
import dev.pouch.server.admin.AdminUiRoutes;
import dev.pouch.server.admin.ReconciliationRoutes;
import dev.pouch.server.admin.UndeliveredWebhookRoutes;
import dev.pouch.server.http.ErrorHandling;
import dev.pouch.server.http.JsonBodies;
import dev.pouch.server.http.JsonErrorHandler;
import dev.pouch.server.http.UnpooledConnector;
import dev.pouch.server.operations.Drain;
import dev.pouch.server.operations.Metrics;
import dev.pouch.server.operations.Observability;
import dev.pouch.server.operations.ObservedEvents;
import dev.pouch.server.operations.PruneSchedule;
import dev.pouch.server.operations.Tracing;
import dev.pouch.server.proxy.ProxyRoutes;
import dev.pouch.server.security.AdminAuthLimiter;
import dev.pouch.server.security.AdminToken;
import dev.pouch.server.security.AesGcmSecretSealer;
import dev.pouch.server.security.Cors;
import dev.pouch.server.security.MasterKey;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.JavalinConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Pouch: the store (SQLite in the data folder, or PostgreSQL), the core with its built-in
 * providers, and Javalin serving the HTTP contract. {@link #start} returns once the port is bound.
 */
public final class PouchServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PouchServer.class);
  private static final int ACCEPT_QUEUE = 4096;

  private final ServerConfig config;
  private final DataDirLock dataLock; // null on PostgreSQL: the store claims its schema itself
  private final Store store;
  private final OpenAiProviderFactory openAi;
  private final AnthropicProviderFactory anthropic;
  private final JdkWebhookSender webhooks;
  private final RedisLimitCounters redis; // null: limits count in this instance alone
  private final PluginDiscovery plugins;
  private final Pouch pouch;
  private final Javalin app;
  private final String generatedAdminToken;
  private final boolean virtualThreads;
  private final Drain drain = new Drain();
  private final RequestLogPruner pruner; // null when the request log is kept forever
  private final PruneSchedule pruning; // null when the request log is kept forever

  /** Verified keys kept in memory, at most. */
  static final long KEY_CACHE_SIZE = 100_000;

  static final java.time.Duration KEY_CACHE_TTL = java.time.Duration.ofMinutes(10);

  private final Metrics metrics;
  private final Tracing tracing;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  private PouchServer(ServerConfig config, Clock clock, Tracing tracing, WebhookRetry webhookRetry)
      throws IOException {
    this.config = config;
    this.tracing = tracing;
    Files.createDirectories(config.dataDir());
    this.dataLock = config.postgres() == null ? DataDirLock.acquire(config.dataDir()) : null;
    try {
      AdminToken.Loaded adminToken = AdminToken.load(config.dataDir(), config.adminToken());
      this.generatedAdminToken = adminToken.generatedToken();
      AesGcmSecretSealer sealer = sealer(config);
      this.store = Store.open(config);
      this.redis = config.redis() == null ? null : RedisLimitCounters.connect(config.redis());
      this.metrics =
          new Metrics(
              drain::activeStreams, config.operations().metricsKeySeries(), store.ledger()::find);
      if (redis != null) {
        metrics.redisAnswers(redis::redisAnswers);
      }
      this.openAi =
          new OpenAiProviderFactory(
              new OpenAiSettings(
                  config.openAiApiKey(),
                  config.openAiBaseUrl(),
                  config.dataDir().resolve("prices.json")),
              clock);
      this.anthropic = new AnthropicProviderFactory();
      MockProviderFactory mock = new MockProviderFactory();
      List<MiddlewareFactory> builtinMiddlewares = BuiltinMiddlewares.all();
      this.webhooks =
          new JdkWebhookSender(
              store.undeliveredNotices(),
              webhookRetry,
              clock,
              outcome -> metrics.webhookOutcome(outcome.label()));
      this.plugins = new PluginDiscovery(List.of(mock, openAi, anthropic), builtinMiddlewares);
      plugins.discover(config.pluginsDir());
      this.pouch =
          Pouch.builder()
              .keys(store.keys())
              .ledger(store.ledger())
              .teams(store.teams())
              .requestLog(store.requestLog())
              .storedResponses(store.storedResponses())
              .keyChanges(store.keyChanges())
              .provider(mock)
              .provider(openAi)
              .provider(anthropic)
              .middlewares(builtinMiddlewares)
              .providers(plugins.providers())
              .middlewares(plugins.middlewares())
              .clock(clock)
              .secrets(sealer)
              .events(new ObservedEvents(metrics, tracing))
              .webhooks(webhooks)
              .keyCache(keyCache())
              .limits(redis == null ? LocalLimitCounters.INSTANCE : redis)
              .bills(bills(config))
              .driftThreshold(config.reconciliation().drift())
              .build();
      try {
        pouch.sealStoredSecrets();
      } catch (IllegalStateException wrongMasterKey) {
        closeQuietly();
        throw wrongMasterKey;
      }
      pouch.recoverOpenReservations();
      this.virtualThreads = Runtime.version().feature() >= 21;
      JsonBodies json = new JsonBodies(config.maxBodyBytes());
      ProxyRoutes proxy = new ProxyRoutes(pouch.proxy(), json, drain, metrics, tracing);
      AdminRoutes admin =
          new AdminRoutes(
              pouch,
              adminToken.token(),
              new AdminAuthLimiter(config.security().adminAuthFailuresPerMinute(), clock),
              json,
              clock);
      Observability observability =
          new Observability(
              metrics,
              tracing,
              drain,
              json,
              adminToken.token(),
              config.operations().metricsAuth(),
              store.ready(),
              store.backup(),
              config.dataDir().resolve("backups"),
              clock,
              pouch.proxy()::newRequestId);
      PouchRoutes routes = new PouchRoutes("", proxy, admin);
      UndeliveredWebhookRoutes undelivered =
          new UndeliveredWebhookRoutes(store.undeliveredNotices(), json);
      ReconciliationRoutes reconciliation = new ReconciliationRoutes(pouch.reconciliation(), json);
      this.app =
          Javalin.create(
              cfg -> configure(cfg, json, routes, undelivered, observability, reconciliation));
      Duration keep = config.operations().requestLogRetention();
      this.pruner = keep.isZero() ? null : pouch.requestLogPruner(RetentionPolicy.keeping(keep));
      this.pruning = pruner == null ? null : PruneSchedule.start(pruner);
    } catch (IOException | RuntimeException | Error e) {
      if (dataLock != null) {
        dataLock.close(); // a start that fails leaves the folder free
      }
      throw e;
    }
  }

  /** The providers' bills {@code GET /api/reconciliation} reads, with their admin keys. */
  private List<ProviderBill> bills(ServerConfig config) {
    ReconciliationConfig recon = config.reconciliation();
    String openAiBase =
        recon.openAiAdminBaseUrl() == null ? config.openAiBaseUrl() : recon.openAiAdminBaseUrl();
    return List.of(
        openAi.bill(recon.openAiAdminKey(), openAiBase),
        anthropic.bill(recon.anthropicAdminKey(), recon.anthropicAdminBaseUrl()));
  }

  private static AesGcmSecretSealer sealer(ServerConfig config) throws IOException {
    SecureRandom random = new SecureRandom();
    byte[] key = MasterKey.load(config.dataDir(), config.security().masterKey(), random);
    AesGcmSecretSealer sealer = new AesGcmSecretSealer(key, random);
    log.atInfo()
        .addKeyValue("key_id", sealer.keyId())
        .addKeyValue("source", config.security().masterKey() == null ? "file" : "environment")
        .log("master key loaded");
    return sealer;
  }

  /**
   * Verified keys in Caffeine: at most {@link #KEY_CACHE_SIZE}, the least recently used dropped
   * first, each kept at most {@link #KEY_CACHE_TTL} (a bound on staleness should a change ever miss
   * the invalidation; edits and revocations invalidate at once).
   */
  private static java.util.concurrent.ConcurrentMap<String, AppKey> keyCache() {
    Cache<String, AppKey> cache =
        Caffeine.newBuilder().maximumSize(KEY_CACHE_SIZE).expireAfterWrite(KEY_CACHE_TTL).build();
    return cache.asMap();
  }

  private void closeQuietly() {
    pouch.close();
    webhooks.close();
    openAi.close();
    anthropic.close();
    closeRedis();
    store.close();
    plugins.close();
    metrics.close();
    tracing.close();
  }

  private void closeRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  /** Opens the store, recovers open reservations and starts serving. */
  public static PouchServer start(ServerConfig config) {
    return start(config, Clock.systemUTC());
  }

  /** As {@link #start(ServerConfig)}, with a clock (tests move time). */
  public static PouchServer start(ServerConfig config, Clock clock) {
    return start(config, clock, Tracing.off());
  }

  /**
   * As {@link #start(ServerConfig)}, with a clock and traces ({@link Tracing#fromEnvironment}: the
   * jar's {@code OTEL_*} variables); the server closes {@code tracing} when it stops.
   */
  public static PouchServer start(ServerConfig config, Clock clock, Tracing tracing) {
    return start(config, clock, tracing, WebhookRetry.DEFAULT);
  }

  /** As {@link #start(ServerConfig, Clock, Tracing)}, with webhook retries of its own (tests). */
  static PouchServer start(
      ServerConfig config, Clock clock, Tracing tracing, WebhookRetry webhookRetry) {
    PouchServer server;
    try {
      server = new PouchServer(config, clock, tracing, webhookRetry);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the data folder " + config.dataDir(), e);
    }
    server.app.start(config.host(), config.port());
    log.atInfo()
        .addKeyValue("port", server.port())
        .addKeyValue("data_dir", config.dataDir().toAbsolutePath())
        .addKeyValue("store", config.postgres() == null ? "sqlite" : config.postgres())
        .addKeyValue("reservation_sync", config.reservationSync().value())
        .addKeyValue("limits", config.redis() == null ? "per instance" : "redis")
        .addKeyValue("java", Runtime.version().feature())
        .addKeyValue("virtual_threads", server.virtualThreads)
        .log("Pouch is serving");
    return server;
  }

  private void configure(
      JavalinConfig cfg,
      JsonBodies json,
      PouchRoutes routes,
      UndeliveredWebhookRoutes undelivered,
      Observability observability,
      ReconciliationRoutes reconciliation) {
    cfg.startup.showJavalinBanner = false;
    cfg.startup.showOldJavalinVersionWarning = false;
    // Streams must reach clients as they are written; gzip would hold them back.
    cfg.http.compressionStrategy = CompressionStrategy.NONE;
    // Bodies are read and limited by JsonBodies, which answers 413 in OpenAI's shape.
    cfg.http.maxRequestSize = Long.MAX_VALUE;
    if (virtualThreads) {
      cfg.concurrency.useVirtualThreads = true;
    } else {
      // JDK 17: long-lived streams each hold a platform thread, so the pool must be large.
      QueuedThreadPool pool = new QueuedThreadPool(config.maxThreads(), 16, 60_000);
      pool.setName("pouch-http");
      cfg.jetty.threadPool = pool;
    }
    cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
    // Our own connector (Javalin then adds none): buffers that no two connections share
    // (docs/SECURITY.md), and the accept queue, which modifyServer cannot set: Javalin runs it
    // before it adds its connector.
    cfg.jetty.addConnector(
        (server, http) ->
            UnpooledConnector.create(server, http, config.host(), config.port(), ACCEPT_QUEUE));
    ErrorHandling.install(cfg);
    observability.install(cfg);
    cfg.routes.get("/healthz", ctx -> json.write(ctx, 200, health()));
    Cors.install(cfg, "/v1", config.security().corsOrigins(), "GET, POST, OPTIONS");
    Cors.install(
        cfg, "/api", config.security().adminCorsOrigins(), "GET, POST, PUT, DELETE, OPTIONS");
    routes.mount(cfg);
    undelivered.install(cfg, ""); // under /api: behind the admin token that routes guard
    reconciliation.install(cfg, "");
    new AdminUiRoutes().install(cfg); // last: its catch-all GET must not shadow the API
  }

  private Map<String, Object> health() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", "ok");
    body.put("virtual_threads", isVirtual(Thread.currentThread()));
    return body;
  }

  /** {@code Thread.isVirtual()} exists only from JDK 21; this code compiles for 17. */
  private static boolean isVirtual(Thread thread) {
    try {
      return (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
    } catch (ReflectiveOperationException olderJdk) {
      return false;
    }
  }

  public int port() {
    return app.port();
  }

  /** Jetty's connectors, for the tests of how connections are served. */
  Connector[] connectors() {
    return app.jettyServer().server().getConnectors();
  }

  /** The admin token generated at this (first) start, or {@code null}; never stored in clear. */
  public String generatedAdminToken() {
    return generatedAdminToken;
  }

  public Pouch pouch() {
    return pouch;
  }

  /**
   * Runs the request-log pruning now, as its schedule does, and returns the rows deleted (tests).
   *
   * @throws IllegalStateException when the request log is kept forever
   */
  long pruneRequestLogNow() {
    if (pruner == null) {
      throw new IllegalStateException("the request log is kept forever");
    }
    return pruner.pruneOnce();
  }

  /**
   * Stops gracefully: refuses new requests (503), lets those in flight finish within the shutdown
   * grace, cuts the streams that remain (settling their reservations), then stops serving and
   * releases the core and the store. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    int cut = drain.drain(config.operations().shutdownGrace());
    log.atInfo().addKeyValue("cut", cut).log("requests drained; stopping");
    app.stop();
    if (pruning != null) {
      pruning.close();
    }
    pouch.close();
    webhooks.close();
    openAi.close();
    anthropic.close();
    closeRedis();
    store.close();
    plugins.close();
    metrics.close();
    tracing.close();
    if (dataLock != null) {
      dataLock.close();
    }
    log.atInfo().log("Pouch stopped");
  }
}
