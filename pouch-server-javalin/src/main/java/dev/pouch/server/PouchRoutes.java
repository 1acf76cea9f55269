package dev.pouch.server;

import dev.pouch.application.Pouch;
import dev.pouch.domain.error.PouchException;
import dev.pouch.server.admin.AdminRoutes;
import dev.pouch.server.http.ErrorHandling;
import dev.pouch.server.http.JsonBodies;
import dev.pouch.server.operations.Drain;
import dev.pouch.server.operations.Metrics;
import dev.pouch.server.proxy.ProxyRoutes;
import dev.pouch.server.security.AdminAuthLimiter;
import dev.pouch.server.security.AdminToken;
import io.javalin.config.JavalinConfig;
import java.time.Clock;
import java.util.Objects;

/**
 * Mounts Pouch's HTTP contract into a Javalin app — yours, or Pouch's own server, which uses
 * exactly this wiring: the OpenAI-compatible routes ({@code POST /v1/chat/completions}, {@code GET
 * /v1/models}) and, when an admin token is given, the admin API ({@code /api/*}), all under an
 * optional prefix. Pouch's refusals answer in OpenAI's error shape; everything else keeps the app's
 * own error handling.
 *
 * <pre>{@code
 * Javalin app = Javalin.create(cfg -> {
 *   cfg.http.compressionStrategy = CompressionStrategy.NONE; // or streams wait for the end
 *   cfg.routes.get("/hello", ctx -> ctx.result("my app"));
 *   PouchRoutes.mount(cfg, pouch, PouchRoutes.Options.defaults().prefix("/llm").adminToken(token));
 * });
 * }</pre>
 *
 * <p>Two app settings matter for Pouch: turn gzip off (Javalin compresses by default and would hold
 * back server-sent events), and leave {@code cfg.http.maxRequestSize} at least at {@link
 * Options#maxBodyBytes()}, which Pouch enforces itself with a 413 in OpenAI's shape.
 */
public final class PouchRoutes {
  private final String prefix;
  private final ProxyRoutes proxy;
  private final AdminRoutes admin;

  /** Pouch's own server passes routes wired to its drain, metrics and login limiter. */
  PouchRoutes(String prefix, ProxyRoutes proxy, AdminRoutes admin) {
    this.prefix = prefix;
    this.proxy = proxy;
    this.admin = admin;
  }

  /**
   * Adds Pouch's routes to {@code cfg}. The caller keeps owning {@code pouch} (and closes it after
   * the app stops).
   */
  public static void mount(JavalinConfig cfg, Pouch pouch, Options options) {
    JsonBodies json = new JsonBodies(options.maxBodyBytes());
    Drain drain = new Drain();
    ProxyRoutes proxy =
        new ProxyRoutes(pouch.proxy(), json, drain, new Metrics(drain::activeStreams));
    AdminRoutes admin =
        options.adminToken() == null
            ? null
            : new AdminRoutes(
                pouch,
                AdminToken.of(options.adminToken()),
                new AdminAuthLimiter(
                    SecurityConfig.DEFAULT_ADMIN_AUTH_FAILURES_PER_MINUTE, options.clock()),
                json,
                options.clock());
    new PouchRoutes(options.prefix(), proxy, admin).mount(cfg);
  }

  void mount(JavalinConfig cfg) {
    cfg.routes.exception(PouchException.class, (failure, ctx) -> ErrorHandling.write(ctx, failure));
    proxy.install(cfg, prefix);
    if (admin != null) {
      admin.install(cfg, prefix);
    }
  }

  /**
   * How Pouch is mounted.
   *
   * @param prefix path before {@code /v1} and {@code /api}: empty, or starting with {@code /} and
   *     not ending with one
   * @param adminToken the admin API's bearer token, or {@code null} to leave the admin API out
   * @param maxBodyBytes larger request bodies get 413 {@code request_too_large}
   * @param clock the admin API's clock (usage windows)
   */
  public record Options(String prefix, String adminToken, long maxBodyBytes, Clock clock) {
    /** 4 MiB, the default body limit of Pouch's own server. */
    public static final long DEFAULT_MAX_BODY_BYTES = 4L * 1024 * 1024;

    public Options {
      Objects.requireNonNull(prefix, "prefix");
      Objects.requireNonNull(clock, "clock");
      if (!prefix.isEmpty() && (!prefix.startsWith("/") || prefix.endsWith("/"))) {
        throw new IllegalArgumentException("prefix must be empty or like /llm: " + prefix);
      }
      if (adminToken != null && adminToken.isBlank()) {
        throw new IllegalArgumentException("the admin token cannot be blank");
      }
      if (maxBodyBytes < 1) {
        throw new IllegalArgumentException("maxBodyBytes must be positive");
      }
    }

    /** At the root, without the admin API, 4 MiB bodies, the system clock. */
    public static Options defaults() {
      return new Options("", null, DEFAULT_MAX_BODY_BYTES, Clock.systemUTC());
    }

    public Options prefix(String value) {
      return new Options(value, adminToken, maxBodyBytes, clock);
    }

    public Options adminToken(String value) {
      return new Options(prefix, value, maxBodyBytes, clock);
    }

    public Options maxBodyBytes(long value) {
      return new Options(prefix, adminToken, value, clock);
    }

    public Options clock(Clock value) {
      return new Options(prefix, adminToken, maxBodyBytes, value);
    }
  }
}
