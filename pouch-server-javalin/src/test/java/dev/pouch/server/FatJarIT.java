package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded {@code target/pouch.jar} started as users start it ({@code java -jar pouch.jar}), in a
 * child JVM on a temporary data folder: the admin token at first start, virtual threads by JDK, a
 * key and its spend across a restart, and the default data folder. Runs under Failsafe after {@code
 * package}; the jar's path comes from the {@code pouch.jar} system property.
 */
class FatJarIT {
  private static final Path JDK25_HOME =
      Path.of(
          System.getProperty(
              "pouch.jdk25.home",
              System.getenv()
                  .getOrDefault("POUCH_JDK25_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")));
  private static final Path DEBIAN_JDK17_HOME = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final Pattern TOKEN_LINE =
      Pattern.compile("Pouch admin token \\(shown once, store it now\\): (pt-admin-\\S+)");
  private static final String ADMIN_TOKEN = "pt-admin-fat-jar-it";

  @TempDir Path tmp;

  private final List<Child> children = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  @AfterEach
  void killEveryChild() throws InterruptedException {
    for (Child child : children) {
      child.process.destroyForcibly();
      child.process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void firstStartPrintsTheAdminTokenOnceAndStoresOnlyItsHash() throws Exception {
    Path data = tmp.resolve("data");

    Child first = startWithData("first-start", jdk17(), data, Map.of());
    String token = awaitStdout(first, TOKEN_LINE).group(1);

    assertThat(get(first, "/api/keys", token).statusCode()).as(first::describe).isEqualTo(200);
    HttpResponse<String> wrong = get(first, "/api/keys", token + "-wrong");
    assertThat(wrong.statusCode()).as(first::describe).isEqualTo(401);
    JsonNode error = json.readTree(wrong.body()).path("error");
    assertThat(error.path("message").asText()).as(wrong.body()).isNotBlank();
    assertThat(error.path("type").asText()).as(wrong.body()).isEqualTo("invalid_request_error");
    assertThat(error.path("code").isTextual()).as(wrong.body()).isTrue();
    assertThat(error.has("param")).as(wrong.body()).isTrue();
    first.stop();

    assertThat(first.stdout().split(Pattern.quote(token), -1))
        .as("the token is printed exactly once and never logged\n%s", first.describe())
        .hasSize(2);
    assertThat(first.stderr()).as(first::describe).doesNotContain(token);
    String stored = Files.readString(data.resolve(AdminToken.FILE_NAME)).strip();
    assertThat(stored).isEqualTo(sha256Hex(token)).doesNotContain(token);
    assertTokenIsNowhereIn(data, token);

    Child second = startWithData("restart", jdk17(), data, Map.of());
    assertThat(get(second, "/api/keys", token).statusCode()).as(second::describe).isEqualTo(200);
    second.stop();

    assertThat(second.stdout())
        .as(second::describe)
        .contains("Pouch is serving")
        .doesNotContain("shown once")
        .doesNotContain("pt-admin-");
    assertThat(Files.readString(data.resolve(AdminToken.FILE_NAME)).strip()).isEqualTo(stored);
    assertTokenIsNowhereIn(data, token);
  }

  @Test
  void onJdk25RequestsRunOnVirtualThreads() throws Exception {
    Child child = startWithData("jdk25", jdk25(), tmp.resolve("data"), env());

    assertThat(child.health.path("virtual_threads").isBoolean()).as(child::describe).isTrue();
    assertThat(child.health.path("virtual_threads").asBoolean()).as(child::describe).isTrue();
    awaitStdout(child, Pattern.compile("Pouch is serving .*java=\"25\" virtual_threads=\"true\""));
  }

  @Test
  void onJdk17RequestsRunOnAPlatformPool() throws Exception {
    Child child = startWithData("jdk17", jdk17(), tmp.resolve("data"), env());

    assertThat(child.health.path("virtual_threads").isBoolean()).as(child::describe).isTrue();
    assertThat(child.health.path("virtual_threads").asBoolean()).as(child::describe).isFalse();
    awaitStdout(child, Pattern.compile("Pouch is serving .*java=\"17\" virtual_threads=\"false\""));
  }

  @Test
  void aKeyAndItsSpendSurviveARestartOfTheJar() throws Exception {
    Path data = tmp.resolve("data");

    Child first = startWithData("before-restart", jdk17(), data, env());
    JsonNode created = createKey(first);
    String keyId = created.path("id").asText();
    String secret = created.path("key").asText();
    assertThat(secret).startsWith("pa-");
    for (int i = 0; i < 3; i++) {
      assertChatServed(first, secret);
    }
    JsonNode budgetBefore = budget(first, keyId);
    long spentBefore = budgetBefore.path("spent_micros").asLong();
    assertThat(spentBefore).as(budgetBefore::toString).isPositive();
    assertThat(budgetBefore.path("reserved_micros").asLong()).isZero();
    first.stop();
    assertThat(first.stdout()).as(first::describe).contains("Pouch stopped");

    Child second = startWithData("after-restart", jdk17(), data, env());
    JsonNode budgetAfter = budget(second, keyId);
    assertThat(budgetAfter.path("spent_micros").asLong())
        .as(second::describe)
        .isEqualTo(spentBefore);
    assertThat(budgetAfter.path("reserved_micros").asLong()).isZero();

    assertChatServed(second, secret);
    assertThat(budget(second, keyId).path("spent_micros").asLong())
        .as(second::describe)
        .isGreaterThan(spentBefore);
  }

  @Test
  void theDefaultCommandUsesDataUnderTheWorkingDirectory() throws Exception {
    Path workDir = Files.createDirectories(tmp.resolve("cwd"));
    int port = freePort();

    Child child =
        start(
            "default-command", jdk17(), workDir, List.of(), Map.of("POUCH_PORT", "" + port), port);

    Path data = workDir.resolve("data");
    assertThat(data.resolve("pouch.db")).as(child::describe).isRegularFile();
    assertThat(data.resolve(AdminToken.FILE_NAME)).as(child::describe).isRegularFile();
    awaitStdout(
        child,
        Pattern.compile(
            "Pouch is serving port=\""
                + port
                + "\" data_dir=\""
                + Pattern.quote(workDir.toRealPath().resolve("data").toString())
                + "\""));
  }

  // --- the child JVM ---------------------------------------------------------------------------

  /** A running {@code java -jar pouch.jar}, its output files, and its first {@code /healthz}. */
  private static final class Child {
    final String label;
    final Path java;
    final Process process;
    final Path stdoutFile;
    final Path stderrFile;
    final int port;
    JsonNode health;

    Child(String label, Path java, Process process, Path stdoutFile, Path stderrFile, int port) {
      this.label = label;
      this.java = java;
      this.process = process;
      this.stdoutFile = stdoutFile;
      this.stderrFile = stderrFile;
      this.port = port;
    }

    URI uri(String path) {
      return URI.create("http://127.0.0.1:" + port + path);
    }

    String stdout() {
      return read(stdoutFile);
    }

    String stderr() {
      return read(stderrFile);
    }

    /** Stops it as a service manager does (SIGTERM) and waits for the JVM to exit. */
    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        fail("pouch.jar did not exit within %s of SIGTERM%n%s", STOP_TIMEOUT, describe());
      }
    }

    String describe() {
      String state = process.isAlive() ? "running" : "exited with code " + process.exitValue();
      return String.format(
          "%npouch.jar [%s] on port %d with %s, %s%n--- stdout (%s) ---%n%s%n--- stderr (%s) ---%n%s",
          label, port, java, state, stdoutFile, stdout(), stderrFile, stderr());
    }
  }

  private Child startWithData(String label, Path java, Path data, Map<String, String> env)
      throws Exception {
    int port = freePort();
    List<String> args =
        List.of("--host", "127.0.0.1", "--port", "" + port, "--data", data.toString());
    return start(label, java, tmp, args, env, port);
  }

  /**
   * Starts the jar with only the given {@code POUCH_*} variables (inherited ones are removed), its
   * output going to files, and returns once {@code /healthz} answers.
   */
  private Child start(
      String label, Path java, Path workDir, List<String> args, Map<String, String> env, int port)
      throws Exception {
    Path logs = Files.createDirectories(tmp.resolve("logs"));
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
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("POUCH_"));
    builder.environment().putAll(env);
    Child child = new Child(label, java, builder.start(), stdout, stderr, port);
    children.add(child);
    child.health = awaitHealthy(child);
    return child;
  }

  private JsonNode awaitHealthy(Child child) throws Exception {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!child.process.isAlive()) {
        fail("pouch.jar exited before /healthz answered%s", child.describe());
      }
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(child.uri("/healthz"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          JsonNode body = json.readTree(response.body());
          assertThat(body.path("status").asText()).as(child::describe).isEqualTo("ok");
          return body;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    return fail("/healthz did not answer within %s%s", START_TIMEOUT, child.describe());
  }

  /** Waits (bounded) until the child's stdout matches, since it prints after binding the port. */
  private Matcher awaitStdout(Child child, Pattern pattern) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    do {
      Matcher matcher = pattern.matcher(child.stdout());
      if (matcher.find()) {
        return matcher;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    return fail("stdout never matched /%s/%s", pattern, child.describe());
  }

  private static Path jar() {
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
  private static Path jdk17() {
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
  private static Path jdk25() {
    Path java = JDK25_HOME.resolve("bin/java");
    if (!Files.isExecutable(java)) {
      fail(
          "JDK 25 is required for this test and was not found at %s (install Temurin 25 there,"
              + " or pass -Dpouch.jdk25.home=<jdk 25 home>)",
          JDK25_HOME);
    }
    return java;
  }

  private static Map<String, String> env() {
    return Map.of("POUCH_ADMIN_TOKEN", ADMIN_TOKEN);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  // --- HTTP --------------------------------------------------------------------------------------

  private HttpResponse<String> get(Child child, String path, String bearer) throws Exception {
    return send(child, "GET", path, bearer, null);
  }

  private HttpResponse<String> send(
      Child child, String method, String path, String bearer, Object body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(child.uri(path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + bearer)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode createKey(Child child) throws Exception {
    Map<String, Object> body =
        Map.of(
            "name",
            "fat-jar",
            "provider",
            Map.of(
                "id", "mock", "config", Map.of("input_usd_per_mtok", 1, "output_usd_per_mtok", 2)),
            "budget_limit_micros",
            1_000_000);
    HttpResponse<String> response = send(child, "POST", "/api/keys", ADMIN_TOKEN, body);
    assertThat(response.statusCode()).as("%s%s", response.body(), child.describe()).isEqualTo(201);
    return json.readTree(response.body());
  }

  private void assertChatServed(Child child, String secret) throws Exception {
    Map<String, Object> body =
        Map.of("model", "m", "messages", List.of(Map.of("role", "user", "content", "hi")));
    HttpResponse<String> response = send(child, "POST", "/v1/chat/completions", secret, body);
    assertThat(response.statusCode()).as("%s%s", response.body(), child.describe()).isEqualTo(200);
    assertThat(json.readTree(response.body()).path("object").asText())
        .as(response.body())
        .isEqualTo("chat.completion");
  }

  private JsonNode budget(Child child, String keyId) throws Exception {
    HttpResponse<String> response = get(child, "/api/keys/" + keyId, ADMIN_TOKEN);
    assertThat(response.statusCode()).as("%s%s", response.body(), child.describe()).isEqualTo(200);
    return json.readTree(response.body()).path("budget");
  }

  // --- files -------------------------------------------------------------------------------------

  private static void assertTokenIsNowhereIn(Path data, String token) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(data)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    assertThat(files).isNotEmpty();
    for (Path file : files) {
      String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      assertThat(content)
          .as("the admin token must not be stored in %s", file)
          .doesNotContain(token);
    }
  }

  private static String sha256Hex(String text) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
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
