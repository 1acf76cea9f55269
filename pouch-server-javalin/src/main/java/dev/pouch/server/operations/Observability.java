package dev.pouch.server.operations;

import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.server.http.ErrorHandling;
import dev.pouch.server.http.JsonBodies;
import dev.pouch.server.security.AdminToken;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * What operators see of every request: its request id ({@code x-request-id} in and out, {@code
 * request_id} in the logging MDC), one access-log line, the HTTP metrics, and the endpoints {@code
 * /readyz} and {@code /metrics}. Also refuses new requests with 503 once a stop began.
 */
public final class Observability {
  static final String MDC_REQUEST_ID = "request_id";
  private static final Logger access = LoggerFactory.getLogger("pouch.access");
  private static final String UNMATCHED = "unmatched";
  private static final DateTimeFormatter BACKUP_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'");

  private final Metrics metrics;
  private final Tracing tracing;
  private final Drain drain;
  private final JsonBodies json;
  private final AdminToken adminToken;
  private final boolean metricsAuth;
  private final BooleanSupplier storeReady;
  private final Consumer<Path> backup;
  private final Path backupDir;
  private final Clock clock;
  private final Supplier<String> requestIds;

  public Observability(
      Metrics metrics,
      Tracing tracing,
      Drain drain,
      JsonBodies json,
      AdminToken adminToken,
      boolean metricsAuth,
      BooleanSupplier storeReady,
      Consumer<Path> backup,
      Path backupDir,
      Clock clock,
      Supplier<String> requestIds) {
    this.metrics = metrics;
    this.tracing = tracing;
    this.drain = drain;
    this.json = json;
    this.adminToken = adminToken;
    this.metricsAuth = metricsAuth;
    this.storeReady = storeReady;
    this.backup = backup;
    this.backupDir = backupDir;
    this.clock = clock;
    this.requestIds = requestIds;
  }

  public void install(JavalinConfig cfg) {
    cfg.routes.before(this::begin);
    cfg.routes.get("/readyz", this::ready);
    cfg.routes.get("/metrics", this::scrape);
    cfg.routes.post("/api/backup", this::backup);
    cfg.requestLogger.http((ctx, millis) -> finish(ctx));
  }

  private void begin(Context ctx) {
    Exchange exchange = Exchange.begin(ctx, requestIds);
    MDC.put(MDC_REQUEST_ID, exchange.requestId);
    tracing.begin(exchange, ctx.method().name());
    ctx.header(ProxyChat.REQUEST_ID_HEADER, exchange.requestId);
    if (drain.draining() && !"/healthz".equals(ctx.path())) {
      ctx.header("Connection", "close");
      ErrorHandling.write(
          ctx,
          Refusal.of(
              ErrorCode.SERVER_SHUTTING_DOWN,
              "The server is shutting down; retry on another instance."));
      ctx.skipRemainingHandlers();
    }
  }

  private void ready(Context ctx) {
    if (drain.draining()) {
      ErrorHandling.write(
          ctx, Refusal.of(ErrorCode.SERVER_SHUTTING_DOWN, "The server is shutting down."));
    } else if (!storeReady.getAsBoolean()) {
      ErrorHandling.write(
          ctx, Refusal.of(ErrorCode.STORE_UNAVAILABLE, "The store is not reachable."));
    } else {
      json.write(ctx, 200, Map.of("status", "ready"));
    }
  }

  private void scrape(Context ctx) {
    if (metricsAuth && !adminToken.matches(ctx.header("Authorization"))) {
      ErrorHandling.write(
          ctx,
          Refusal.of(
              ErrorCode.ADMIN_UNAUTHORIZED,
              "Missing or wrong admin token: send 'Authorization: Bearer <admin token>'."));
      return;
    }
    ctx.contentType(Metrics.CONTENT_TYPE).result(metrics.scrape());
  }

  /**
   * Backs the database up online into {@code DATA/backups/pouch-<UTC time>.db} (the server chooses
   * the path; the client cannot name one) and answers 201 with the file's path and size.
   */
  private void backup(Context ctx) throws IOException {
    if (!adminToken.matches(ctx.header("Authorization"))) {
      throw new RequestRejectedException(
          ErrorCode.ADMIN_UNAUTHORIZED,
          "Missing or wrong admin token: send 'Authorization: Bearer <admin token>'.");
    }
    Files.createDirectories(backupDir);
    String stamp =
        BACKUP_STAMP.format(clock.instant().truncatedTo(ChronoUnit.MILLIS).atZone(ZoneOffset.UTC));
    Path file = backupDir.resolve("pouch-" + stamp + ".db");
    backup.accept(file);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("file", file.toAbsolutePath().toString());
    body.put("bytes", Files.size(file));
    json.write(ctx, 201, body);
  }

  /** Runs last for every request (errors too): metrics, the access line, then the MDC cleared. */
  private void finish(Context ctx) {
    try {
      Exchange exchange = Exchange.of(ctx);
      if (exchange == null) {
        return;
      }
      long nanos = System.nanoTime() - exchange.startedNanos;
      int status = ctx.statusCode();
      String route = route(ctx, status);
      String method = ctx.method().name();
      metrics.httpRequest(method, route, status, nanos);
      tracing.end(exchange, method, route, status);
      String errorCode = ctx.attribute(ErrorHandling.ERROR_CODE_ATTRIBUTE);
      if (errorCode != null) {
        metrics.refused(errorCode);
      }
      LoggingEventBuilder line = probe(route) ? access.atDebug() : access.atInfo();
      line =
          line.addKeyValue(MDC_REQUEST_ID, exchange.requestId)
              .addKeyValue("client_request_id", exchange.clientRequestId)
              .addKeyValue("method", method)
              .addKeyValue("route", route)
              .addKeyValue("status", status)
              .addKeyValue("latency_ms", nanos / 1_000_000);
      if (exchange.model != null) {
        line =
            line.addKeyValue("key_prefix", exchange.keyPrefix)
                .addKeyValue("model", exchange.model)
                .addKeyValue("stream", exchange.stream);
        RequestRecord settled = exchange.settled;
        if (settled != null) {
          line =
              line.addKeyValue("prompt_tokens", settled.promptTokens())
                  .addKeyValue("completion_tokens", settled.completionTokens())
                  .addKeyValue("cost_micros", settled.costMicros())
                  .addKeyValue(
                      "settlement", settled.basis().name().toLowerCase(java.util.Locale.ROOT));
        }
      }
      if (errorCode != null) {
        line = line.addKeyValue("error_code", errorCode);
      }
      line.log("access");
    } finally {
      MDC.remove(MDC_REQUEST_ID);
    }
  }

  private static boolean probe(String route) {
    return route.equals("/healthz") || route.equals("/readyz") || route.equals("/metrics");
  }

  /** The matched route pattern ({@code /api/keys/{id}}), never the raw path. */
  private static String route(Context ctx, int status) {
    if (status == 404 && ctx.attribute(ErrorHandling.ERROR_CODE_ATTRIBUTE) == null) {
      return UNMATCHED;
    }
    try {
      var endpoint = ctx.endpoint();
      return endpoint == null ? UNMATCHED : endpoint.path;
    } catch (RuntimeException noEndpoint) {
      return UNMATCHED;
    }
  }
}
