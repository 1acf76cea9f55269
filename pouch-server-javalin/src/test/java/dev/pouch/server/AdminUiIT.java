package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The admin UI end to end in a real browser: runs {@code pouch-admin-ui/web/e2e/admin-ui.e2e.mjs}
 * with the machine's Node, which starts {@code target/pouch.jar} on loopback and drives Debian's
 * Chromium through playwright-core (log in, create a key with the mock provider and a rate_limit
 * middleware, see its secret once, spend with it, watch usage, edit the budget, revoke). The script
 * fails, never skips, when Chromium is missing; its output is this test's failure message.
 * Screenshots land in {@code target/admin-ui-screenshots} ({@code npm run screenshots} refreshes
 * {@code docs/images}).
 */
class AdminUiIT {
  private static final long MAX_MINUTES = 5;

  @Test
  void anAdminManagesAKeyThroughTheUiInChromium() throws Exception {
    Path script = Path.of(property("pouch.ui.e2e"));
    if (!Files.isRegularFile(script)) {
      fail("no end-to-end script at %s", script);
    }
    Path webDir = script.getParent().getParent();
    if (!Files.isDirectory(webDir.resolve("node_modules/playwright-core"))) {
      fail("%s has no node_modules: build pouch-admin-ui first (it runs npm ci)", webDir);
    }
    Path shots = Path.of(property("pouch.ui.screenshots"));
    Path output = Files.createDirectories(shots).resolve("e2e-output.log");
    List<String> command =
        List.of(
            "node",
            script.toString(),
            "--jar",
            PouchProcess.jar().toString(),
            "--java",
            PouchProcess.jdk17().toString(),
            "--screenshots",
            shots.toString());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(webDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    Process node;
    try {
      node = builder.start();
    } catch (java.io.IOException e) {
      throw new AssertionError("cannot run `node` (Node.js 20+ is required): " + e.getMessage(), e);
    }
    if (!node.waitFor(MAX_MINUTES, TimeUnit.MINUTES)) {
      node.descendants().forEach(ProcessHandle::destroyForcibly);
      node.destroyForcibly();
      fail(
          "the UI end-to-end script did not finish within %d minutes:%n%s",
          MAX_MINUTES, read(output));
    }
    String log = read(output);
    assertThat(node.exitValue()).as("%s exited non-zero:%n%s", command, log).isZero();
    assertThat(log).contains("admin-ui e2e: all steps passed");
    for (String png : List.of("admin-ui-keys.png", "admin-ui-key-form.png", "admin-ui-usage.png")) {
      assertThat(shots.resolve(png)).as(log).isNotEmptyFile();
    }
  }

  private static String property(String name) {
    String value = System.getProperty(name);
    if (value == null || value.isBlank()) {
      fail("system property %s is not set: run through Maven (mvn verify), which passes it", name);
    }
    return value;
  }

  private static String read(Path file) throws java.io.IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }
}
