package dev.pouch.server;

import dev.pouch.server.security.AdminToken;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code java -jar pouch.jar admin rotate-token [--data DIR]}: replaces the stored admin token hash
 * with the hash of a new token and prints the token once. The old token stops working at once, also
 * on a server running on the same folder (it re-reads the hash file when it changes).
 */
final class AdminCommand {
  static final String USAGE = "usage: java -jar pouch.jar admin rotate-token [--data ./data]";

  private AdminCommand() {}

  /** Runs {@code args} (after {@code admin}); returns the process exit status. */
  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (args.length == 0 || !args[0].equals("rotate-token")) {
      err.println("pouch: unknown admin command " + Arrays.toString(args));
      err.println(USAGE);
      return 2;
    }
    Map<String, String> flags;
    try {
      flags = ServerConfig.Flags.parse(Arrays.copyOfRange(args, 1, args.length));
    } catch (IllegalArgumentException bad) {
      err.println("pouch: " + bad.getMessage());
      err.println(USAGE);
      return 2;
    }
    for (String flag : flags.keySet()) {
      if (!flag.equals("data")) {
        err.println("pouch: unknown flag --" + flag);
        err.println(USAGE);
        return 2;
      }
    }
    String dir = flags.getOrDefault("data", env.getOrDefault("POUCH_DATA_DIR", "data"));
    Path dataDir = Path.of(dir.isBlank() ? "data" : dir);
    String token;
    try {
      token = AdminToken.rotate(dataDir);
    } catch (IOException e) {
      err.println("pouch: cannot write the admin token in " + dataDir + ": " + e.getMessage());
      return 1;
    }
    out.println("New Pouch admin token (shown once, store it now): " + token);
    out.println(
        "The previous token no longer works; a running server on "
            + dataDir
            + " uses the new one from its next request.");
    String fromEnv = env.get("POUCH_ADMIN_TOKEN");
    if (fromEnv != null && !fromEnv.isBlank()) {
      err.println(
          "pouch: warning: POUCH_ADMIN_TOKEN is set in this environment; a server started with it"
              + " ignores the stored token.");
    }
    out.flush();
    return 0;
  }
}
