package dev.pouch.server;

import static dev.pouch.server.PouchProcess.jdk17;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.server.security.MasterKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar with the wrong master key: it refuses to start with a clear message and exit
 * status 1, and starts again with the right one.
 */
class MasterKeyIT {
  private static final String ADMIN = "pt-admin-master-key-it";
  private static final String UPSTREAM_SECRET = "sk-master-key-it-PLAINTEXT";

  @TempDir Path tmp;

  @RegisterExtension final LaunchedProcesses children = new LaunchedProcesses();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  @Test
  void theWrongMasterKeyStopsTheStartWithAClearMessage() throws Exception {
    Path data = tmp.resolve("data");
    PouchProcess first = launch("first", data, Map.of("POUCH_ADMIN_TOKEN", ADMIN));
    first.awaitHealthy(PouchProcess.START_TIMEOUT);
    String body =
        "{\"name\":\"sealed\",\"provider\":{\"id\":\"openai\",\"config\":{\"api_key\":\""
            + UPSTREAM_SECRET
            + "\",\"base_url\":\"http://127.0.0.1:9/v1\"}}}";
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port + "/api/keys"))
                .header("Authorization", "Bearer " + ADMIN)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    first.stop();
    assertThat(Files.exists(data.resolve(MasterKey.FILE_NAME))).isTrue();

    byte[] other = new byte[32];
    other[31] = 7;
    PouchProcess wrong =
        launch(
            "wrong-key",
            data,
            Map.of(
                "POUCH_ADMIN_TOKEN",
                ADMIN,
                "POUCH_MASTER_KEY",
                Base64.getEncoder().encodeToString(other)));
    assertThat(wrong.process.waitFor(60, TimeUnit.SECONDS)).as(wrong::describe).isTrue();
    assertThat(wrong.process.exitValue()).as(wrong::describe).isEqualTo(1);
    assertThat(wrong.stderr())
        .as(wrong::describe)
        .contains("pouch: cannot start: a stored secret was sealed with master key id")
        .doesNotContain(UPSTREAM_SECRET);
    assertThat(wrong.stdout()).doesNotContain(UPSTREAM_SECRET);

    PouchProcess right = launch("right-key", data, Map.of("POUCH_ADMIN_TOKEN", ADMIN));
    right.awaitHealthy(PouchProcess.START_TIMEOUT);
    right.stop();
  }

  private PouchProcess launch(String label, Path data, Map<String, String> env) throws Exception {
    return children.launch(label, jdk17(), tmp, data, env);
  }
}
