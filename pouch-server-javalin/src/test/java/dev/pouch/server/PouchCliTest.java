package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line in-process: what each input starts, prints or refuses. */
class PouchCliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private PouchCli.Outcome run(Map<String, String> env, String... args) {
    return PouchCli.run(
        args,
        env,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private ServerConfig served(PouchCli.Outcome outcome) {
    assertThat(outcome).as(err()).isInstanceOf(PouchCli.Outcome.Serve.class);
    return ((PouchCli.Outcome.Serve) outcome).config();
  }

  @Test
  void withoutACommandItServesWithTheDefaults() {
    ServerConfig config = served(run(Map.of()));

    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.dataDir()).isEqualTo(Path.of("data"));
    assertThat(config.pluginsDir()).isEqualTo(Path.of("data", "plugins"));
  }

  @Test
  void aFlagWinsOverItsEnvironmentVariableWhichWinsOverTheDefault() {
    Map<String, String> env = Map.of("POUCH_PORT", "9100", "POUCH_HOST", "127.0.0.1");

    ServerConfig fromEnv = served(run(env));
    ServerConfig fromFlags = served(run(env, "serve", "--port", "9200", "--host=::1"));

    assertThat(fromEnv.port()).isEqualTo(9100);
    assertThat(fromEnv.host()).isEqualTo("127.0.0.1");
    assertThat(fromFlags.port()).isEqualTo(9200);
    assertThat(fromFlags.host()).isEqualTo("::1");
  }

  @Test
  void aMisspelledFlagIsRefusedWithTheClosestKnownOne() {
    PouchCli.Outcome outcome = run(Map.of(), "--prot", "18560");

    assertThat(outcome).isEqualTo(new PouchCli.Outcome.Exit(PouchCli.USAGE));
    assertThat(err()).contains("--prot").contains("--port").contains("pouch serve --help");
  }

  @Test
  void aFlagWithoutItsValueOrWithABadValueIsRefusedNamingIt() {
    assertThat(run(Map.of(), "--port")).isEqualTo(new PouchCli.Outcome.Exit(PouchCli.USAGE));
    assertThat(err()).contains("--port");
    err.reset();

    assertThat(run(Map.of(), "--metrics-auth", "everyone"))
        .isEqualTo(new PouchCli.Outcome.Exit(PouchCli.USAGE));
    assertThat(err()).contains("metrics-auth").contains("everyone");
    err.reset();

    assertThat(run(Map.of("POUCH_MAX_THREADS", "lots")))
        .isEqualTo(new PouchCli.Outcome.Exit(PouchCli.USAGE));
    assertThat(err()).contains("max-threads").contains("lots");
  }

  @Test
  void helpWorksOnEveryCommandAndStartsNothing() {
    assertThat(run(Map.of(), "--help")).isEqualTo(new PouchCli.Outcome.Exit(0));
    assertThat(out()).contains("serve").contains("admin").contains("version");
    out.reset();

    assertThat(run(Map.of(), "serve", "--help")).isEqualTo(new PouchCli.Outcome.Exit(0));
    assertThat(out()).contains("--port=N").contains("POUCH_PORT").contains("OPENAI_API_KEY");
    out.reset();

    assertThat(run(Map.of(), "admin", "rotate-token", "--help"))
        .isEqualTo(new PouchCli.Outcome.Exit(0));
    assertThat(out()).contains("--data=DIR");
  }

  @Test
  void versionPrintsOneLine() {
    assertThat(run(Map.of(), "version")).isEqualTo(new PouchCli.Outcome.Exit(0));

    assertThat(out().strip()).startsWith("pouch ").doesNotContain("\n");
  }

  @Test
  void anUnknownCommandOrAdminWithoutItsCommandIsRefused() {
    assertThat(run(Map.of(), "serv")).isEqualTo(new PouchCli.Outcome.Exit(PouchCli.USAGE));
    assertThat(err()).contains("serv").contains("serve");
    err.reset();

    assertThat(run(Map.of(), "admin")).isEqualTo(new PouchCli.Outcome.Exit(PouchCli.USAGE));
    assertThat(err()).contains("rotate-token");
  }

  @Test
  void secretsAreReadFromTheEnvironmentOnly() {
    ServerConfig config = served(run(Map.of("OPENAI_API_KEY", "sk-env", "POUCH_ADMIN_TOKEN", "t")));

    assertThat(config.openAiApiKey()).isEqualTo("sk-env");
    assertThat(config.adminToken()).isEqualTo("t");
    assertThat(run(Map.of(), "--openai-api-key", "sk-flag"))
        .isEqualTo(new PouchCli.Outcome.Exit(PouchCli.USAGE));
  }

  @Test
  void backupCopiesTheDatabaseOfARunningServerConsistently(@TempDir Path data) throws Exception {
    Path copy = data.resolveSibling(data.getFileName() + "-copy.db");
    try (TestPouch pouch = TestPouch.start(data)) {
      TestPouch.CreatedTestKey key = pouch.createKey(KeyBody.mock("kept"));

      PouchCli.Outcome outcome =
          run(Map.of(), "backup", "--data", data.toString(), "--out", copy.toString());

      assertThat(outcome).as(err()).isEqualTo(new PouchCli.Outcome.Exit(0));
      assertThat(out()).contains(copy.toAbsolutePath().toString());
      try (java.sql.Connection connection =
              java.sql.DriverManager.getConnection("jdbc:sqlite:" + copy.toAbsolutePath());
          java.sql.ResultSet rows =
              connection.createStatement().executeQuery("SELECT id FROM app_keys")) {
        assertThat(rows.next()).isTrue();
        assertThat(rows.getString(1)).isEqualTo(key.id());
      }
    }
    err.reset();
    assertThat(run(Map.of(), "backup", "--data", data.toString(), "--out", copy.toString()))
        .as("an existing file is never overwritten")
        .isEqualTo(new PouchCli.Outcome.Exit(1));
    assertThat(err()).contains("already exists");
  }

  @Test
  void backupOfAFolderWithoutADatabaseFailsClearly(@TempDir Path empty) {
    assertThat(run(Map.of(), "backup", "--data", empty.toString()))
        .isEqualTo(new PouchCli.Outcome.Exit(1));
    assertThat(err()).contains("no database");
  }
}
