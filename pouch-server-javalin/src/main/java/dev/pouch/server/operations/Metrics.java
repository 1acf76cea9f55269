package dev.pouch.server.operations;

import dev.pouch.application.port.out.ProxyEvents;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.log.RequestRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * Pouch's Prometheus metrics (listed in {@code docs/OPERATIONS.md}), with the JVM's and the
 * process's. Meters are resolved once per label set and cached here, so recording costs a map
 * lookup and an atomic add, without building tags per request. Labels only take bounded values:
 * routes as declared, status codes, provider ids, priced model names (others are {@code unpriced}),
 * error codes, and key ids only for the first keys up to an operator's bound ({@link KeySeries},
 * none by default); never request content.
 */
public final class Metrics implements ProxyEvents, AutoCloseable {
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final String UNPRICED = "unpriced";

  /**
   * How the request log names an upstream failure ({@code upstream_timeout}, {@code upstream_503}).
   */
  private static final String UPSTREAM_ERROR_PREFIX = "upstream_";

  /** Histogram buckets of every latency: 5 ms to 5 min, enough for answers and streams. */
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60),
    Duration.ofSeconds(120),
    Duration.ofSeconds(300),
  };

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong outstanding = new AtomicLong();
  private final Map<String, Map<String, AtomicReferenceArray<Timer>>> http =
      new ConcurrentHashMap<>();
  private final Map<String, Timer[]> upstream = new ConcurrentHashMap<>();
  private final Map<String, Timer> firstByte = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Counter[]>> spend = new ConcurrentHashMap<>();
  private final Map<String, Counter> refusals = new ConcurrentHashMap<>();
  private final Map<String, Counter> settlements = new ConcurrentHashMap<>();
  private final Map<String, Counter> overruns = new ConcurrentHashMap<>();
  private final Map<String, Counter> upstreamErrors = new ConcurrentHashMap<>();
  private final Map<String, Counter> webhookDeliveries = new ConcurrentHashMap<>();
  private final KeySeries keys;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  /** Metrics without per-key series. */
  public Metrics(IntSupplier activeStreams) {
    this(activeStreams, 0, keyId -> java.util.Optional.empty());
  }

  /**
   * @param keySeries how many keys get series of their own (0: none)
   * @param budgets a key's budget, read when a scrape asks for its remaining budget
   */
  public Metrics(
      IntSupplier activeStreams,
      int keySeries,
      Function<String, java.util.Optional<Budget>> budgets) {
    this.keys = new KeySeries(registry, keySeries, budgets);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    Gauge.builder("pouch.streams.active", activeStreams::getAsInt)
        .description("Streams being copied to clients")
        .register(registry);
    Gauge.builder("pouch.reservations.outstanding", outstanding::get)
        .description("Budget reservations taken and not yet settled")
        .register(registry);
  }

  /**
   * {@code pouch_redis_up}: 1 while the Redis of the shared limits answered the last request that
   * asked it, 0 while limits count in this instance alone (only with {@code --redis}).
   */
  public void redisAnswers(java.util.function.BooleanSupplier answers) {
    Gauge.builder("pouch.redis.up", () -> answers.getAsBoolean() ? 1 : 0)
        .description("Whether the Redis of the shared limits answers (0: limits per instance)")
        .register(registry);
  }

  /** The text exposition of every meter, for {@code GET /metrics}. */
  String scrape() {
    return registry.scrape();
  }

  /** One HTTP request served, by route pattern (not the raw path) and status. */
  void httpRequest(String method, String route, int status, long nanos) {
    int index = status < 100 || status > 599 ? 0 : status - 100;
    AtomicReferenceArray<Timer> byStatus =
        http.computeIfAbsent(method, m -> new ConcurrentHashMap<>())
            .computeIfAbsent(route, r -> new AtomicReferenceArray<>(500));
    Timer timer = byStatus.get(index);
    if (timer == null) {
      timer =
          latency("pouch.http.requests", "HTTP requests served")
              .tag("method", method)
              .tag("route", route)
              .tag("status", Integer.toString(status))
              .register(registry);
      byStatus.set(index, timer);
    }
    timer.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Time from the start of a proxied request to its stream's first bytes written. */
  public void firstByte(String providerId, long nanos) {
    firstByte
        .computeIfAbsent(
            providerId,
            p ->
                latency("pouch.stream.first.byte", "Time to the first bytes of a stream")
                    .tag("provider", p)
                    .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A request refused or failed with an error code ({@code budget_exceeded}, …). */
  void refused(String errorCode) {
    counter(refusals, "pouch.refusals", "Requests refused, by error code", "reason", errorCode)
        .increment();
  }

  /**
   * A webhook outcome: {@code delivered}, {@code retried} (per attempt), {@code kept} (stored as
   * undeliverable) or {@code lost}.
   */
  public void webhookOutcome(String outcome) {
    counter(
            webhookDeliveries,
            "pouch.webhook.deliveries",
            "Webhook notices by outcome (retried: per attempt)",
            "outcome",
            outcome)
        .increment();
  }

  /** The counter {@code name} with one label, registered once and then taken from {@code cache}. */
  private Counter counter(
      Map<String, Counter> cache, String name, String description, String label, String value) {
    return cache.computeIfAbsent(
        value,
        v -> Counter.builder(name).description(description).tag(label, v).register(registry));
  }

  @Override
  public void reservationOpened(String providerId, long amountMicros) {
    outstanding.incrementAndGet();
  }

  @Override
  public void reservationSettled(String providerId, RequestRecord record) {
    outstanding.decrementAndGet();
    // a priced model is one the provider lists: a bounded label (free-form names are not)
    String model = record.pricedAs() == null ? UNPRICED : record.model();
    Counter[] counters =
        spend
            .computeIfAbsent(providerId, p -> new ConcurrentHashMap<>())
            .computeIfAbsent(model, m -> spendCounters(providerId, m));
    counters[0].increment(record.costMicros());
    counters[1].increment(record.promptTokens());
    counters[2].increment(record.completionTokens());
    counter(
            settlements,
            "pouch.settlements",
            "Settled requests by how their charge was decided (implausible_usage: the upstream"
                + " reported usage that cannot be true)",
            "basis",
            record.basis() == null ? "none" : record.basis().wireName())
        .increment();
    keys.spent(record.keyId(), record.costMicros());
    String error = record.errorCode();
    if (error != null && error.startsWith(UPSTREAM_ERROR_PREFIX)) {
      upstreamErrors
          .computeIfAbsent(
              providerId + "\n" + error,
              k ->
                  Counter.builder("pouch.upstream.errors")
                      .description(
                          "Failed upstream calls by kind: unreachable, timeout, or the status"
                              + " it answered (upstream_429, upstream_500 …)")
                      .tag("provider", providerId)
                      .tag("kind", error.substring(UPSTREAM_ERROR_PREFIX.length()))
                      .register(registry))
          .increment();
    }
    if (record.overrunMicros() > 0) {
      counter(
              overruns,
              "pouch.overrun.micros",
              "Charges above their reservation: output relayed past what the reservation pays"
                  + " for (an upstream that ignores max_tokens)",
              "provider",
              providerId)
          .increment(record.overrunMicros());
    }
  }

  @Override
  public void upstreamResponded(String providerId, boolean streaming, long nanos) {
    Timer[] timers =
        upstream.computeIfAbsent(
            providerId,
            p ->
                new Timer[] {
                  upstreamTimer(p, false), upstreamTimer(p, true),
                });
    timers[streaming ? 1 : 0].record(nanos, TimeUnit.NANOSECONDS);
  }

  private Counter[] spendCounters(String providerId, String model) {
    return new Counter[] {
      Counter.builder("pouch.spend.micros")
          .description("Money charged, in micro-dollars")
          .tag("provider", providerId)
          .tag("model", model)
          .register(registry),
      Counter.builder("pouch.tokens")
          .description("Tokens charged")
          .tag("provider", providerId)
          .tag("model", model)
          .tag("kind", "prompt")
          .register(registry),
      Counter.builder("pouch.tokens")
          .description("Tokens charged")
          .tag("provider", providerId)
          .tag("model", model)
          .tag("kind", "completion")
          .register(registry),
    };
  }

  private Timer upstreamTimer(String providerId, boolean streaming) {
    return latency(
            "pouch.upstream.latency",
            "Provider call: the whole answer, or the response head of a stream")
        .tag("provider", providerId)
        .tag("stream", Boolean.toString(streaming))
        .register(registry);
  }

  private static Timer.Builder latency(String name, String description) {
    return Timer.builder(name).description(description).serviceLevelObjectives(BUCKETS);
  }

  /** Unbinds the meters that hold JVM listeners. */
  @Override
  public void close() {
    gc.close();
  }
}
