package dev.pouch.server.operations;

import dev.pouch.application.port.out.ProxyEvents;
import dev.pouch.domain.log.RequestRecord;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * OpenTelemetry traces of proxied requests: a server span per request, with children for
 * authentication, the reservation, the upstream call and the settlement, and the answer's model,
 * tokens and cost in GenAI's semantic-convention attributes plus Pouch's own. Off (no SDK, no
 * exporter, nothing recorded) unless the environment configures an exporter with the standard
 * {@code OTEL_*} variables ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_TRACES_EXPORTER} …).
 *
 * <p>The core reports durations, not spans ({@link ProxyEvents}): each child span is recorded when
 * its stage ends, with its real start time, under the request's span (the current context on the
 * request's thread).
 */
public final class Tracing implements ProxyEvents, AutoCloseable {
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS =
      AttributeKey.longKey("gen_ai.usage.output_tokens");
  static final AttributeKey<Long> COST = AttributeKey.longKey("pouch.cost_micros");
  static final AttributeKey<Long> RESERVED = AttributeKey.longKey("pouch.reserved_micros");
  static final AttributeKey<String> SETTLEMENT = AttributeKey.stringKey("pouch.settlement");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("pouch.request_id");

  private final OpenTelemetrySdk sdk;

  /** {@code null} when traces are off: then every method returns at once, off the hot path. */
  private final Tracer tracer;

  private Tracing(OpenTelemetrySdk sdk, OpenTelemetry openTelemetry) {
    this.sdk = sdk;
    this.tracer = openTelemetry == null ? null : openTelemetry.getTracer("dev.pouch.server");
  }

  /** No traces. */
  public static Tracing off() {
    return new Tracing(null, null);
  }

  /** Traces through {@code openTelemetry} (an embedder's, or a test's SDK). */
  public static Tracing with(OpenTelemetry openTelemetry) {
    return new Tracing(null, openTelemetry);
  }

  /**
   * Traces exported as the {@code OTEL_*} variables of {@code env} say, or {@link #off()} when they
   * configure no trace exporter (or {@code OTEL_SDK_DISABLED=true}). Only traces: metrics stay on
   * {@code /metrics} and logs on stdout unless the variables ask for more.
   */
  public static Tracing fromEnvironment(Map<String, String> env) {
    boolean configured =
        env.containsKey("OTEL_EXPORTER_OTLP_ENDPOINT")
            || env.containsKey("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            || env.containsKey("OTEL_TRACES_EXPORTER");
    if (!configured || "true".equalsIgnoreCase(env.get("OTEL_SDK_DISABLED"))) {
      return off();
    }
    OpenTelemetrySdk sdk =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(
                () ->
                    Map.of(
                        "otel.service.name", "pouch",
                        "otel.metrics.exporter", "none",
                        "otel.logs.exporter", "none"))
            .disableShutdownHook()
            .build()
            .getOpenTelemetrySdk();
    return new Tracing(sdk, sdk);
  }

  /** Starts a request's span and makes it current on this thread until {@link #end}. */
  void begin(Exchange exchange, String method) {
    if (tracer == null) {
      return;
    }
    Span span =
        tracer
            .spanBuilder(method)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute(REQUEST_ID, exchange.requestId)
            .startSpan();
    exchange.span = span;
    exchange.scope = span.makeCurrent();
  }

  /** Ends a request's span, named by its route pattern, and leaves its context. */
  void end(Exchange exchange, String method, String route, int status) {
    Span span = exchange.span;
    Scope scope = exchange.scope;
    if (span == null) {
      return;
    }
    span.updateName(method + " " + route);
    span.setAttribute("http.request.method", method);
    span.setAttribute("http.route", route);
    span.setAttribute("http.response.status_code", status);
    if (status >= 500) {
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
    if (scope != null) {
      scope.close();
    }
  }

  /** Authentication of an app key, which took {@code nanos}. */
  public void authenticated(long nanos, boolean accepted) {
    if (tracer == null) {
      return;
    }
    Stage stage = stage("pouch.authenticate", nanos);
    if (!accepted) {
      stage.span().setStatus(StatusCode.ERROR, "key refused");
    }
    stage.end();
  }

  @Override
  public void reserveTook(String providerId, long nanos) {
    if (tracer == null) {
      return;
    }
    Stage stage = stage("pouch.reserve", nanos);
    stage.span().setAttribute(PROVIDER, providerId);
    stage.end();
  }

  @Override
  public void upstreamResponded(String providerId, boolean streaming, long nanos) {
    if (tracer == null) {
      return;
    }
    Stage stage = stage("pouch.upstream", nanos);
    stage.span().setAttribute(PROVIDER, providerId).setAttribute("pouch.stream", streaming);
    stage.end();
  }

  @Override
  public void settleTook(String providerId, RequestRecord record, long nanos) {
    if (tracer == null) {
      return;
    }
    Stage stage = stage("pouch.settle", nanos);
    describe(stage.span(), providerId, record);
    stage.end();
    describe(Span.current(), providerId, record);
  }

  private static void describe(Span span, String providerId, RequestRecord record) {
    span.setAttribute(PROVIDER, providerId)
        .setAttribute(REQUEST_MODEL, record.model())
        .setAttribute(INPUT_TOKENS, record.promptTokens())
        .setAttribute(OUTPUT_TOKENS, record.completionTokens())
        .setAttribute(COST, record.costMicros())
        .setAttribute(RESERVED, record.reservedMicros())
        .setAttribute(SETTLEMENT, record.basis() == null ? "none" : record.basis().wireName());
  }

  /** A stage of the current request that ends now and lasted {@code nanos}. */
  private Stage stage(String name, long nanos) {
    Instant now = Instant.now();
    long endNanos = TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
    Span span =
        tracer
            .spanBuilder(name)
            .setStartTimestamp(endNanos - nanos, TimeUnit.NANOSECONDS)
            .startSpan();
    return new Stage(span, endNanos);
  }

  /** A child span recorded after the fact: started in the past, ending at {@code endNanos}. */
  private record Stage(Span span, long endNanos) {
    void end() {
      span.end(endNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void close() {
    if (sdk != null) {
      sdk.close();
    }
  }
}
