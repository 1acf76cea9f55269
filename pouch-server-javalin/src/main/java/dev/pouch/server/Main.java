package dev.pouch.server;

import dev.pouch.server.operations.LogFormat;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code java -jar pouch.jar [--port N] [--data DIR] …}: runs the server until stopped; {@code java
 * -jar pouch.jar admin rotate-token [--data DIR]} replaces the admin token.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("admin")) {
      PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
      System.exit(
          AdminCommand.run(
              java.util.Arrays.copyOfRange(args, 1, args.length),
              System.getenv(),
              out,
              System.err));
      return;
    }
    ServerConfig config;
    try {
      config = ServerConfig.parse(args, System.getenv());
    } catch (IllegalArgumentException bad) {
      System.err.println("pouch: " + bad.getMessage());
      System.err.println(
          "usage: java -jar pouch.jar [--port 8080] [--data ./data] [--host 0.0.0.0]"
              + " [--max-body-bytes N] [--max-threads N] [--openai-base-url URL] [--plugins-dir DIR]"
              + " [--cors-origins URL,…] [--admin-cors-origins URL,…]"
              + " [--admin-auth-failures-per-minute N]"
              + " [--log-format text|json] [--metrics-auth none|admin]"
              + " [--shutdown-grace-seconds N]");
      System.err.println("       java -jar pouch.jar admin rotate-token [--data ./data]");
      System.exit(2);
      return;
    }
    LogFormat.apply(config.operations().logFormat());
    PouchServer server;
    try {
      server = PouchServer.start(config);
    } catch (IllegalStateException | IllegalArgumentException | java.io.UncheckedIOException e) {
      // A clear refusal (wrong master key, unreadable data folder), not a stack trace.
      System.err.println("pouch: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
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
