package dev.pouch.server.operations;

import dev.pouch.application.port.out.ProxyEvents;
import dev.pouch.domain.log.RequestRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntSupplier;

/**
 * Pouch's Prometheus metrics (listed in {@code docs/OPERATIONS.md}). Meters are resolved once per
 * label set and cached here, so recording costs a map lookup and an atomic add, without building
 * tags per request. Labels only take bounded values: routes as declared, status codes, provider
 * ids, priced model names (others are {@code unpriced}) and error codes, never key ids or request
 * content.
 */
public final class Metrics implements ProxyEvents {
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final String UNPRICED = "unpriced";

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

  public Metrics(IntSupplier activeStreams) {
    Gauge.builder("pouch.streams.active", activeStreams::getAsInt)
        .description("Streams being copied to clients")
        .register(registry);
    Gauge.builder("pouch.reservations.outstanding", outstanding::get)
        .description("Budget reservations taken and not yet settled")
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
}
