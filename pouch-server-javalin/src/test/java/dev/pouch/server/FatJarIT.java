package dev.pouch.server;

import static dev.pouch.server.PouchProcess.freePort;
import static dev.pouch.server.PouchProcess.jdk17;
import static dev.pouch.server.PouchProcess.jdk25;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.server.security.AdminToken;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded {@code target/pouch.jar} started as users start it ({@code java -jar pouch.jar}), in a
 * child JVM on a temporary data folder: the admin token at first start, virtual threads by JDK, a
 * key and its spend across a restart, and the default data folder. Runs under Failsafe after {@code
 * package}; the jar's path comes from the {@code pouch.jar} system property.
 */
class FatJarIT {
  private static final Pattern TOKEN_LINE =
      Pattern.compile("Pouch admin token \\(shown once, store it now\\): (pt-admin-\\S+)");
  private static final String ADMIN_TOKEN = "pt-admin-fat-jar-it";

  @TempDir Path tmp;

  @RegisterExtension final LaunchedProcesses children = new LaunchedProcesses();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void firstStartPrintsTheAdminTokenOnceAndStoresOnlyItsHash() throws Exception {
    Path data = tmp.resolve("data");

    PouchProcess first = startWithData("first-start", jdk17(), data, Map.of());
    String token = first.awaitStdout(TOKEN_LINE).group(1);

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

    PouchProcess second = startWithData("restart", jdk17(), data, Map.of());
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
    PouchProcess child = startWithData("jdk25", jdk25(), tmp.resolve("data"), env());

    assertThat(child.health.path("virtual_threads").isBoolean()).as(child::describe).isTrue();
    assertThat(child.health.path("virtual_threads").asBoolean()).as(child::describe).isTrue();
    child.awaitStdout(Pattern.compile("Pouch is serving .*java=\"25\" virtual_threads=\"true\""));
  }

  @Test
  void onJdk17RequestsRunOnAPlatformPool() throws Exception {
    PouchProcess child = startWithData("jdk17", jdk17(), tmp.resolve("data"), env());

    assertThat(child.health.path("virtual_threads").isBoolean()).as(child::describe).isTrue();
    assertThat(child.health.path("virtual_threads").asBoolean()).as(child::describe).isFalse();
    child.awaitStdout(Pattern.compile("Pouch is serving .*java=\"17\" virtual_threads=\"false\""));
  }

  @Test
  void aKeyAndItsSpendSurviveARestartOfTheJar() throws Exception {
    Path data = tmp.resolve("data");

    PouchProcess first = startWithData("before-restart", jdk17(), data, env());
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

    PouchProcess second = startWithData("after-restart", jdk17(), data, env());
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

    PouchProcess child =
        start(
            "default-command", jdk17(), workDir, List.of(), Map.of("POUCH_PORT", "" + port), port);

    Path data = workDir.resolve("data");
    assertThat(data.resolve("pouch.db")).as(child::describe).isRegularFile();
    assertThat(data.resolve(AdminToken.FILE_NAME)).as(child::describe).isRegularFile();
    child.awaitStdout(
        Pattern.compile(
            "Pouch is serving port=\""
                + port
                + "\" data_dir=\""
                + Pattern.quote(workDir.toRealPath().resolve("data").toString())
                + "\""));
  }

  // --- the child JVM ---------------------------------------------------------------------------

  private PouchProcess startWithData(String label, Path java, Path data, Map<String, String> env)
      throws Exception {
    int port = freePort();
    return start(label, java, tmp, PouchProcess.dataArgs(port, data), env, port);
  }

  /** Starts the jar (see {@link PouchProcess#launch}) and returns once {@code /healthz} answers. */
  private PouchProcess start(
      String label, Path java, Path workDir, List<String> args, Map<String, String> env, int port)
      throws Exception {
    PouchProcess child =
        PouchProcess.launch(label, java, workDir, tmp.resolve("logs"), args, env, port);
    children.add(child);
    child.awaitHealthy(PouchProcess.START_TIMEOUT);
    return child;
  }

  private static Map<String, String> env() {
    return Map.of("POUCH_ADMIN_TOKEN", ADMIN_TOKEN);
  }

  // --- HTTP --------------------------------------------------------------------------------------

  private HttpResponse<String> get(PouchProcess child, String path, String bearer)
      throws Exception {
    return send(child, "GET", path, bearer, null);
  }

  private HttpResponse<String> send(
      PouchProcess child, String method, String path, String bearer, Object body) throws Exception {
    return child.send(method, path, bearer, body);
  }

  private JsonNode createKey(PouchProcess child) throws Exception {
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

  private void assertChatServed(PouchProcess child, String secret) throws Exception {
    Map<String, Object> body =
        Map.of("model", "m", "messages", List.of(Map.of("role", "user", "content", "hi")));
    HttpResponse<String> response = send(child, "POST", "/v1/chat/completions", secret, body);
    assertThat(response.statusCode()).as("%s%s", response.body(), child.describe()).isEqualTo(200);
    assertThat(json.readTree(response.body()).path("object").asText())
        .as(response.body())
        .isEqualTo("chat.completion");
  }

  private JsonNode budget(PouchProcess child, String keyId) throws Exception {
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
}
