package dev.pouch.server;

import static dev.pouch.server.PouchProcess.jdk17;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command of the shaded jar that ends by itself ({@code java -jar pouch.jar admin …}, {@code
 * --help}), run as a user runs it, without the test's {@code POUCH_*} environment.
 *
 * @param exitCode the process's exit status
 * @param stdout what it printed
 * @param stderr what it printed as errors
 */
record JarCommand(int exitCode, String stdout, String stderr) {

  /** Runs {@code java -jar pouch.jar <args>} in {@code workDir} and waits (at most a minute). */
  static JarCommand run(Path workDir, List<String> args) throws Exception {
    return run(workDir, args, java.util.Map.of());
  }

  /** As {@link #run(Path, List)}, with these variables set (e.g. {@code POUCH_ADMIN_TOKEN}). */
  static JarCommand run(Path workDir, List<String> args, java.util.Map<String, String> env)
      throws Exception {
    Files.createDirectories(workDir);
    Path out = Files.createTempFile(workDir, "command", ".out");
    Path err = Files.createTempFile(workDir, "command", ".err");
    List<String> command = new ArrayList<>();
    command.add(jdk17().toString());
    command.add("-jar");
    command.add(PouchProcess.jar().toString());
    command.addAll(args);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("POUCH_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s exits", args).isTrue();
    return new JarCommand(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
