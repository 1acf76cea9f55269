package dev.pouch.server;

import dev.pouch.adapters.sqlite.SqliteStore;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * {@code java -jar pouch.jar backup [--data DIR] [--out FILE]}: a consistent copy of the data
 * folder's database ({@code VACUUM INTO}), taken while a server runs on it or not; by default into
 * {@code DATA/backups/pouch-<UTC time>.db}, as {@code POST /api/backup} names it.
 */
final class BackupCommand {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'");

  private BackupCommand() {}

  /** Backs {@code dataDir} up into {@code out} (or the default file); returns the exit status. */
  static int run(Path dataDir, Path out, Clock clock, PrintStream stdout, PrintStream err) {
    Path database = dataDir.resolve("pouch.db");
    if (!Files.isRegularFile(database)) {
      err.println("pouch: no database in " + dataDir.toAbsolutePath() + " (pouch.db is missing)");
      return 1;
    }
    Path target =
        out != null
            ? out
            : dataDir
                .resolve("backups")
                .resolve(
                    "pouch-"
                        + STAMP.format(
                            clock.instant().truncatedTo(ChronoUnit.MILLIS).atZone(ZoneOffset.UTC))
                        + ".db");
    try {
      Path parent = target.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      // Shared: a server may be writing the same file; the copy is one consistent read.
      try (SqliteStore store = SqliteStore.openShared(database)) {
        store.backupTo(target);
      }
      stdout.println(
          "Backed up "
              + database.toAbsolutePath()
              + " to "
              + target.toAbsolutePath()
              + " ("
              + Files.size(target)
              + " bytes)");
      return 0;
    } catch (java.io.IOException | RuntimeException e) {
      err.println("pouch: cannot back up " + database.toAbsolutePath() + ": " + e.getMessage());
      return 1;
    }
  }
}
