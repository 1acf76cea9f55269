package dev.pouch.server;

import static dev.pouch.server.PouchProcess.jdk17;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.server.security.AdminToken;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar pouch.jar admin rotate-token --data DIR} on the shaded jar: it prints a new
 * token once, stores only its hash, and the old token stops working — on a running server at its
 * next request, and on a stopped one at the next start.
 */
class AdminTokenRotationIT {
  private static final Pattern FIRST_TOKEN =
      Pattern.compile("Pouch admin token \\(shown once, store it now\\): (pt-admin-\\S+)");
  private static final Pattern NEW_TOKEN =
      Pattern.compile("New Pouch admin token \\(shown once, store it now\\): (pt-admin-\\S+)");

  @TempDir Path tmp;

  @RegisterExtension final LaunchedProcesses children = new LaunchedProcesses();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  @Test
  void rotateTokenReplacesTheTokenOfARunningAndOfAStoppedServer() throws Exception {
    Path data = tmp.resolve("data");
    PouchProcess server = start("first", data);
    String first = server.awaitStdout(FIRST_TOKEN).group(1);
    assertThat(status(server, first)).as(server::describe).isEqualTo(200);

    Rotation whileRunning = rotate(data);
    assertThat(whileRunning.exitCode).as(whileRunning.stderr).isZero();
    String second = whileRunning.token();
    assertThat(second).isNotEqualTo(first);
    assertThat(status(server, first)).as(server::describe).isEqualTo(401);
    assertThat(status(server, second)).as(server::describe).isEqualTo(200);
    server.stop();

    Rotation whileStopped = rotate(data);
    String third = whileStopped.token();
    assertThat(Files.readString(data.resolve(AdminToken.FILE_NAME)).strip())
        .isEqualTo(sha256Hex(third));

    PouchProcess restarted = start("restarted", data);
    assertThat(status(restarted, third)).as(restarted::describe).isEqualTo(200);
    assertThat(status(restarted, second)).as(restarted::describe).isEqualTo(401);
    restarted.stop();
    assertThat(restarted.stdout() + restarted.stderr())
        .doesNotContain(third)
        .doesNotContain(second);
    for (String token : List.of(first, second, third)) {
      assertThat(Files.readString(data.resolve(AdminToken.FILE_NAME))).doesNotContain(token);
    }
  }

  @Test
  void anUnknownAdminCommandFailsWithUsage() throws Exception {
    Rotation wrong = run(List.of("admin", "rotate-everything"), tmp.resolve("data"));
    assertThat(wrong.exitCode).isEqualTo(2);
    assertThat(wrong.stderr).contains("rotate-everything").contains("rotate-token");
  }

  private record Rotation(int exitCode, String stdout, String stderr) {
    String token() {
      Matcher matcher = NEW_TOKEN.matcher(stdout);
      assertThat(matcher.find()).as(stdout + stderr).isTrue();
      String token = matcher.group(1);
      assertThat(stdout.split(Pattern.quote(token), -1)).as("printed exactly once").hasSize(2);
      return token;
    }
  }

  private Rotation rotate(Path data) throws Exception {
    return run(List.of("admin", "rotate-token", "--data", data.toString()), data);
  }

  private Rotation run(List<String> args, Path data) throws Exception {
    JarCommand command = JarCommand.run(tmp, args);
    return new Rotation(command.exitCode(), command.stdout(), command.stderr());
  }

  private PouchProcess start(String label, Path data) throws Exception {
    PouchProcess child = children.launch(label, jdk17(), tmp, data, Map.of());
    child.awaitHealthy(PouchProcess.START_TIMEOUT);
    return child;
  }

  private int status(PouchProcess child, String token) throws Exception {
    return http.send(
            HttpRequest.newBuilder(child.uri("/api/keys"))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static String sha256Hex(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
