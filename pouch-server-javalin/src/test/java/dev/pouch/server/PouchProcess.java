package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shaded {@code target/pouch.jar} running in a child JVM, for the integration tests ({@code
 * *IT}, run by Failsafe after {@code package}; the jar's path comes from the {@code pouch.jar}
 * system property): started with {@code java -jar}, its output going to files, with helpers to
 * await {@code /healthz} or a line of output, and to stop it (SIGTERM) or kill it (SIGKILL).
 */
final class PouchProcess {
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

  private static final Path JDK25_HOME =
      Path.of(
          System.getProperty(
              "pouch.jdk25.home",
              System.getenv()
                  .getOrDefault("POUCH_JDK25_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")));
  private static final Path DEBIAN_JDK17_HOME = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  final String label;
  final Path java;
  final Process process;
  final Path stdoutFile;
  final Path stderrFile;
  final int port;

  /** The first {@code /healthz} answer, once {@link #awaitHealthy} has seen it. */
  JsonNode health;

  private PouchProcess(
      String label, Path java, Process process, Path stdoutFile, Path stderrFile, int port) {
    this.label = label;
    this.java = java;
    this.process = process;
    this.stdoutFile = stdoutFile;
    this.stderrFile = stderrFile;
    this.port = port;
  }

  /**
   * Starts the jar with only the given {@code POUCH_*} variables (inherited ones are removed), its
   * output going to {@code <logDir>/<label>.stdout.log} and {@code .stderr.log}. Returns at once:
   * see {@link #awaitHealthy}.
   */
  static PouchProcess launch(
      String label,
      Path java,
      Path workDir,
      Path logDir,
      List<String> args,
      Map<String, String> env,
      int port)
      throws IOException {
    Path logs = Files.createDirectories(logDir);
    Path stdout = logs.resolve(label + ".stdout.log");
    Path stderr = logs.resolve(label + ".stderr.log");
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-XX:TieredStopAtLevel=1"); // C1 only: starts about twice as fast, enough here
    command.add("-jar");
    command.add(jar().toString());
    command.addAll(args);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("POUCH_"));
    builder.environment().putAll(env);
    return new PouchProcess(label, java, builder.start(), stdout, stderr, port);
  }

  /** The arguments that serve on {@code 127.0.0.1:port} with {@code data} as the data folder. */
  static List<String> dataArgs(int port, Path data) {
    return List.of("--host", "127.0.0.1", "--port", "" + port, "--data", data.toString());
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /**
   * One request to this process with a bearer token, {@code body} sent as JSON when given; the
   * answer whatever its status.
   */
  HttpResponse<String> send(String method, String path, String bearer, Object body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + bearer)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  String stdout() {
    return read(stdoutFile);
  }

  String stderr() {
    return read(stderrFile);
  }

  /** Polls {@code /healthz} until it answers 200 with status ok; fails on exit or timeout. */
  JsonNode awaitHealthy(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        fail("pouch.jar exited before /healthz answered%s", describe());
      }
      try {
        HttpResponse<String> response =
            HTTP.send(
                HttpRequest.newBuilder(uri("/healthz")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          JsonNode body = JSON.readTree(response.body());
          assertThat(body.path("status").asText()).as(this::describe).isEqualTo("ok");
          health = body;
          return body;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    return fail("/healthz did not answer within %s%s", timeout, describe());
  }

  /** Waits (bounded) until stdout matches, since the jar prints after binding the port. */
  Matcher awaitStdout(Pattern pattern) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    do {
      Matcher matcher = pattern.matcher(stdout());
      if (matcher.find()) {
        return matcher;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    return fail("stdout never matched /%s/%s", pattern, describe());
  }

  /** Stops it as a service manager does (SIGTERM) and waits for the JVM to exit. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      fail("pouch.jar did not exit within %s of SIGTERM%n%s", STOP_TIMEOUT, describe());
    }
  }

  /**
   * Kills it as a crash does ({@code kill -9}: SIGKILL, no shutdown hook) and waits for the exit.
   */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      fail("pouch.jar did not exit within 10 s of SIGKILL%n%s", describe());
    }
  }

  String describe() {
    String state = process.isAlive() ? "running" : "exited with code " + process.exitValue();
    return String.format(
        "%npouch.jar [%s] on port %d with %s, %s%n--- stdout (%s) ---%n%s%n--- stderr (%s) ---%n%s",
        label, port, java, state, stdoutFile, stdout(), stderrFile, stderr());
  }

  // --- the jar and the JDKs ----------------------------------------------------------------------

  static Path jar() {
    String property = System.getProperty("pouch.jar");
    if (property == null || property.isBlank()) {
      fail("system property pouch.jar is not set: run through Maven (mvn verify), which passes it");
    }
    Path jar = Path.of(property);
    if (!Files.isRegularFile(jar)) {
      fail("no fat jar at %s: run `mvn package` first", jar);
    }
    return jar;
  }

  /** JDK 17: the JVM running the tests (the default JDK), else the Debian JDK 17. */
  static Path jdk17() {
    if (Runtime.version().feature() == 17) {
      return Path.of(System.getProperty("java.home"), "bin", "java");
    }
    Path java = DEBIAN_JDK17_HOME.resolve("bin/java");
    if (!Files.isExecutable(java)) {
      fail("tests run on JDK %s and no JDK 17 at %s", Runtime.version(), DEBIAN_JDK17_HOME);
    }
    return java;
  }

  /** Temurin 25: CI machines have it, so its absence fails rather than skips the test. */
  static Path jdk25() {
    Path java = JDK25_HOME.resolve("bin/java");
    if (!Files.isExecutable(java)) {
      fail(
          "JDK 25 is required for this test and was not found at %s (install Temurin 25 there,"
              + " or pass -Dpouch.jdk25.home=<jdk 25 home>)",
          JDK25_HOME);
    }
    return java;
  }

  /** JDK 25 (virtual threads) where it is installed, else JDK 17. */
  static Path newestJdk() {
    Path java = JDK25_HOME.resolve("bin/java");
    return Files.isExecutable(java) ? java : jdk17();
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String read(Path file) {
    try {
      // lenient decoding: the child may be in the middle of writing a character
      return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
