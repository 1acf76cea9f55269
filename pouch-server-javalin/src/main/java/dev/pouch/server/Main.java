package dev.pouch.server;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** {@code java -jar pouch.jar [--port N] [--data DIR] …}: runs the server until stopped. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    ServerConfig config;
    try {
      config = ServerConfig.parse(args, System.getenv());
    } catch (IllegalArgumentException bad) {
      System.err.println("pouch: " + bad.getMessage());
      System.err.println(
          "usage: java -jar pouch.jar [--port 8080] [--data ./data] [--host 0.0.0.0]"
              + " [--max-body-bytes N] [--max-threads N] [--openai-base-url URL] [--plugins-dir DIR]"
              + " [--log-format text|json] [--metrics-auth none|admin]"
              + " [--shutdown-grace-seconds N]");
      System.exit(2);
      return;
    }
    LogFormat.apply(config.operations().logFormat());
    PouchServer server = PouchServer.start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "pouch-shutdown"));
    String token = server.generatedAdminToken();
    if (token != null) {
      // Printed once on the console, never logged: only its hash is stored.
      PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
      out.println();
      out.println("  Pouch admin token (shown once, store it now): " + token);
      out.println(
          "  Admin API: http://localhost:"
              + server.port()
              + "/api  (Authorization: Bearer <token>)");
      out.println();
    }
  }
}
