package dev.pouch.server;

import static dev.pouch.server.PouchProcess.jdk17;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two shaded-jar processes on one data folder: the second refuses to start, with a clear message
 * and exit status 1, and leaves the first serving; once the first is stopped (or killed), the
 * folder is free again.
 */
class DataDirLockIT {
  private static final Map<String, String> ENV = Map.of("POUCH_ADMIN_TOKEN", "pt-admin-lock-it");

  @TempDir Path tmp;

  @RegisterExtension final LaunchedProcesses children = new LaunchedProcesses();

  @Test
  void aSecondProcessOnTheSameDataFolderIsRefused() throws Exception {
    Path data = tmp.resolve("data");
    PouchProcess first = launch("first", data);
    first.awaitHealthy(PouchProcess.START_TIMEOUT);

    PouchProcess second = launch("second", data);

    assertThat(second.process.waitFor(60, TimeUnit.SECONDS)).as(second::describe).isTrue();
    assertThat(second.process.exitValue()).as(second::describe).isEqualTo(1);
    assertThat(second.stderr())
        .as(second::describe)
        .contains("pouch: cannot start: another Pouch process is using the data folder");
    assertThat(first.process.isAlive()).isTrue();
    first.awaitHealthy(Duration.ofSeconds(10)); // still serving

    first.process.destroyForcibly(); // a crash: the OS drops the lock with the process
    first.process.waitFor(10, TimeUnit.SECONDS);
    PouchProcess third = launch("third", data);
    third.awaitHealthy(PouchProcess.START_TIMEOUT);
    third.stop();
  }

  private PouchProcess launch(String label, Path data) throws Exception {
    return children.launch(label, jdk17(), tmp, data, ENV);
  }
}
