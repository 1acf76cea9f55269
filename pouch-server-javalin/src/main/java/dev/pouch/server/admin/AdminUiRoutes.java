package dev.pouch.server.admin;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;

/**
 * The admin UI (module {@code pouch-admin-ui}) served at {@code /} from the classpath folder {@code
 * dev/pouch/admin-ui}. A GET of a path without a file extension answers {@code index.html}, so the
 * single-page app's own paths ({@code /keys}, {@code /usage}) survive a reload; API paths ({@code
 * /v1/*}, {@code /api/*}, {@code /healthz}) keep their OpenAI-shaped 404.
 */
public final class AdminUiRoutes {
  static final String ROOT = "dev/pouch/admin-ui/";

  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "svg", "image/svg+xml",
          "png", "image/png",
          "ico", "image/x-icon",
          "json", "application/json",
          "woff2", "font/woff2",
          "txt", "text/plain; charset=utf-8");

  private final ClassLoader loader = AdminUiRoutes.class.getClassLoader();

  /** Declares the catch-all GET route; call it after every other route. */
  public void install(JavalinConfig cfg) {
    cfg.routes.get("/", this::serve);
    cfg.routes.get("/*", this::serve);
  }

  private void serve(Context ctx) {
    String path = ctx.path();
    if (isApi(path)) {
      throw new NotFoundResponse();
    }
    String file = path.substring(1);
    if (!isFileName(file)) {
      file = "index.html"; // a path of the app itself, like /usage
    }
    if (file.contains("..") || file.contains("\\") || !exists(file)) {
      throw new NotFoundResponse();
    }
    String extension = file.substring(file.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    ctx.contentType(TYPES.getOrDefault(extension, "application/octet-stream"));
    // Vite names built assets by content hash: they never change under one name.
    ctx.header(
        "Cache-Control",
        file.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache");
    ctx.result(read(file));
  }

  private static boolean isApi(String path) {
    return path.equals("/v1")
        || path.startsWith("/v1/")
        || path.equals("/api")
        || path.startsWith("/api/")
        || path.equals("/healthz")
        || path.equals("/metrics");
  }

  /** Names with an extension in their last segment are files; other paths belong to the app. */
  private static boolean isFileName(String file) {
    return file.substring(file.lastIndexOf('/') + 1).contains(".");
  }

  private boolean exists(String file) {
    return loader.getResource(ROOT + file) != null;
  }

  private byte[] read(String file) {
    try (InputStream in = loader.getResourceAsStream(ROOT + file)) {
      if (in == null) {
        throw new NotFoundResponse();
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the admin UI file " + file, e);
    }
  }
}
