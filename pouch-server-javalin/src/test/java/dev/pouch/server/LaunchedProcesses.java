package dev.pouch.server;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The shaded-jar processes a test launched: each is killed after the test, whatever happened in it,
 * so no process outlives its test. Register with {@code @RegisterExtension}.
 */
final class LaunchedProcesses implements AfterEachCallback {
  private final List<PouchProcess> children = new ArrayList<>();

  /**
   * Launches the jar on {@code java} serving {@code data} on a free port of 127.0.0.1, with the
   * given {@code POUCH_*} variables and extra arguments, working in {@code tmp} and logging to
   * {@code tmp/logs}; killed after the test. Returns at once: see {@link
   * PouchProcess#awaitHealthy}.
   */
  PouchProcess launch(
      String label, Path java, Path tmp, Path data, Map<String, String> env, String... extraArgs)
      throws IOException {
    int port = PouchProcess.freePort();
    List<String> args = new ArrayList<>(PouchProcess.dataArgs(port, data));
    args.addAll(List.of(extraArgs));
    PouchProcess child =
        PouchProcess.launch(label, java, tmp, tmp.resolve("logs"), args, env, port);
    add(child);
    return child;
  }

  /** Remembers a launched process, to kill it after the test. */
  void add(PouchProcess child) {
    children.add(child);
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    for (PouchProcess child : children) {
      child.process.destroyForcibly();
      child.process.waitFor(10, TimeUnit.SECONDS);
    }
    children.clear();
  }
}
