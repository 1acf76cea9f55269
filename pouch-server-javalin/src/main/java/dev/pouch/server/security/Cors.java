package dev.pouch.server.security;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Cross-origin access from browsers to one path prefix, for listed origins only ({@code *} allows
 * any). Off unless origins are configured: {@code --cors-origins} for {@code /v1/*}, and the
 * separate {@code --admin-cors-origins} for {@code /api/*}. Preflights ({@code OPTIONS} with {@code
 * Access-Control-Request-Method}) from allowed origins are answered 204 before any authentication,
 * since browsers send them without credentials; from other origins they get no CORS headers, so the
 * browser refuses the real request.
 */
public final class Cors {
  /** The answer headers a browser script may read (budget, rate limits, retry delay). */
  static final String EXPOSED =
      "Retry-After, x-pouch-reserved-micros, x-pouch-budget-remaining-micros,"
          + " x-ratelimit-limit-requests, x-ratelimit-remaining-requests,"
          + " x-ratelimit-reset-requests, x-request-id";

  private static final Pattern HEADER_LIST =
      Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~, -]{0,2000}");
  private static final String DEFAULT_HEADERS = "Authorization, Content-Type";

  private final List<String> origins;
  private final boolean anyOrigin;
  private final String methods;

  private Cors(List<String> origins, String methods) {
    this.origins = List.copyOf(origins);
    this.anyOrigin = origins.contains("*");
    this.methods = methods;
  }

  /** Adds CORS to {@code prefix/*} when {@code origins} is not empty; call before auth filters. */
  public static void install(
      JavalinConfig cfg, String prefix, List<String> origins, String methods) {
    if (origins.isEmpty()) {
      return;
    }
    Cors cors = new Cors(origins, methods);
    cfg.routes.before(prefix + "/*", cors::apply);
  }

  private void apply(Context ctx) {
    String origin = ctx.header("Origin");
    if (origin == null || !(anyOrigin || origins.contains(origin))) {
      return;
    }
    ctx.header("Access-Control-Allow-Origin", anyOrigin ? "*" : origin);
    ctx.header("Vary", "Origin");
    String requestedMethod = ctx.header("Access-Control-Request-Method");
    if (ctx.method() == HandlerType.OPTIONS && requestedMethod != null) {
      String requested = ctx.header("Access-Control-Request-Headers");
      ctx.header("Access-Control-Allow-Methods", methods);
      ctx.header(
          "Access-Control-Allow-Headers",
          requested != null && HEADER_LIST.matcher(requested).matches()
              ? requested
              : DEFAULT_HEADERS);
      ctx.header("Access-Control-Max-Age", "600");
      ctx.status(204);
      ctx.skipRemainingHandlers();
      return;
    }
    ctx.header("Access-Control-Expose-Headers", EXPOSED);
  }
}
