package dev.pouch.server;

import dev.pouch.server.operations.LogFormat;
import dev.pouch.server.operations.Tracing;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code java -jar pouch.jar [serve] [--port N] [--data DIR] …}: runs the server until stopped;
 * {@code admin rotate-token [--data DIR]} replaces the admin token, {@code version} prints the
 * version, {@code --help} explains each ({@link PouchCli}).
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    PouchCli.Outcome outcome = PouchCli.run(args, System.getenv(), out, System.err);
    if (outcome instanceof PouchCli.Outcome.Exit exit) {
      System.exit(exit.status());
      return;
    }
    ServerConfig config = ((PouchCli.Outcome.Serve) outcome).config();
    LogFormat.apply(config.operations().logFormat());
    PouchServer server;
    try {
      server =
          PouchServer.start(
              config, java.time.Clock.systemUTC(), Tracing.fromEnvironment(System.getenv()));
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
