package dev.pouch.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The shaded-jar processes a test launched: each is killed after the test, whatever happened in it,
 * so no process outlives its test. Register with {@code @RegisterExtension}.
 */
final class LaunchedProcesses implements AfterEachCallback {
  private final List<PouchProcess> children = new ArrayList<>();

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
