package dev.pouch.server;

import dev.pouch.server.security.AdminToken;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code java -jar pouch.jar admin rotate-token [--data DIR]}: replaces the stored admin token hash
 * with the hash of a new token and prints the token once. The old token stops working at once, also
 * on a server running on the same folder (it re-reads the hash file when it changes).
 */
final class AdminCommand {
  private AdminCommand() {}

  /**
   * Rotates the admin token of the data folder {@code dir}; returns the process exit status.
   *
   * @param dir the data folder (from {@code --data}, {@code POUCH_DATA_DIR} or the default)
   */
  static int rotateToken(String dir, Map<String, String> env, PrintStream out, PrintStream err) {
    Path dataDir = Path.of(dir);
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
