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
  void storeSelectsPostgresWithThePasswordFromTheEnvironmentOnly() {
    assertThat(served(run(Map.of())).postgres()).as("SQLite by default").isNull();

    ServerConfig flag =
        served(
            run(
                Map.of("POUCH_STORE_PASSWORD", "pw-env"),
                "--store",
                "postgresql://pouch@db:6543/gw?currentSchema=pouch"));
    ServerConfig env = served(run(Map.of("POUCH_STORE", "postgres://pouch:pw-url@db/gw")));

    assertThat(flag.postgres().jdbcUrl())
        .isEqualTo("jdbc:postgresql://db:6543/gw?currentSchema=pouch");
    assertThat(flag.postgres().schema()).isEqualTo("pouch");
    assertThat(flag.postgres().password()).isEqualTo("pw-env");
    assertThat(env.postgres().password()).isEqualTo("pw-url");
    assertThat(flag.toString() + env).doesNotContain("pw-env").doesNotContain("pw-url");
    assertThat(run(Map.of(), "--store", "postgresql://pouch:pw-flag@db/gw"))
        .isEqualTo(new PouchCli.Outcome.Exit(PouchCli.USAGE));
    assertThat(err()).contains("POUCH_STORE_PASSWORD").doesNotContain("pw-flag");
    assertThat(run(Map.of(), "--store", "data/other.db"))
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

  @Test
  void aConfigFileSetsWhatFlagsAndTheEnvironmentLeaveOpen(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("pouch.yaml");
    java.nio.file.Files.writeString(
        file, "# the server's settings\nport: 9300\nhost: 127.0.0.1\nlog-format: json\n");

    ServerConfig fromFile = served(run(Map.of(), "--config", file.toString()));
    ServerConfig overridden =
        served(run(Map.of("POUCH_CONFIG", file.toString(), "POUCH_HOST", "::1"), "--port", "9400"));

    assertThat(fromFile.port()).isEqualTo(9300);
    assertThat(fromFile.host()).isEqualTo("127.0.0.1");
    assertThat(fromFile.operations().logFormat()).isEqualTo("json");
    assertThat(overridden.port()).as("a flag wins").isEqualTo(9400);
    assertThat(overridden.host()).as("the environment wins").isEqualTo("::1");
    assertThat(overridden.operations().logFormat()).isEqualTo("json");
  }

  @Test
  void aConfigFileErrorNamesTheFileTheLineAndTheField(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("pouch.yaml");
    java.nio.file.Files.writeString(file, "port: 9300\nprot: 9301\n");
    assertThat(run(Map.of(), "--config", file.toString()))
        .isEqualTo(new PouchCli.Outcome.Exit(PouchCli.USAGE));
    assertThat(err()).contains(file + ":2:").contains("'prot'").contains("'port'");
    err.reset();

    java.nio.file.Files.writeString(file, "port: 9300\nOPENAI_API_KEY: sk-nope\n");
    assertThat(run(Map.of(), "--config", file.toString()))
        .isEqualTo(new PouchCli.Outcome.Exit(PouchCli.USAGE));
    assertThat(err()).contains(file + ":2:").contains("environment").doesNotContain("sk-nope");
    err.reset();

    assertThat(run(Map.of(), "--config", dir.resolve("missing.yaml").toString()))
        .isEqualTo(new PouchCli.Outcome.Exit(PouchCli.USAGE));
    assertThat(err()).contains("missing.yaml").contains("does not exist");
  }

  @Test
  void applyNeedsAFileAndTheAdminTokenAndContactsNoServerWithoutThem(@TempDir Path dir)
      throws Exception {
    assertThat(run(Map.of(), "apply")).isEqualTo(new PouchCli.Outcome.Exit(PouchCli.USAGE));
    assertThat(err()).contains("--file");
    err.reset();

    Path file = java.nio.file.Files.writeString(dir.resolve("keys.yaml"), "keys: []\n");
    assertThat(run(Map.of(), "apply", "-f", file.toString()))
        .isEqualTo(new PouchCli.Outcome.Exit(PouchCli.USAGE));
    assertThat(err()).contains("POUCH_ADMIN_TOKEN");
  }

  @Test
  void applyToAServerThatIsNotRunningSaysWhereItLooked(@TempDir Path dir) throws Exception {
    Path file = java.nio.file.Files.writeString(dir.resolve("keys.yaml"), "keys: []\n");
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }

    PouchCli.Outcome outcome =
        run(
            Map.of("POUCH_ADMIN_TOKEN", "pt-x", "POUCH_URL", "http://127.0.0.1:" + closedPort),
            "apply",
            "-f",
            file.toString());

    assertThat(outcome).isEqualTo(new PouchCli.Outcome.Exit(1));
    assertThat(err()).contains("cannot reach http://127.0.0.1:" + closedPort);
  }
}
