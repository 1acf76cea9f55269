package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The shaded jar's command line as a user meets it: help, version, and a misspelled flag. */
class CommandLineIT {
  private static final String ADMIN_TOKEN = "pt-command-line-it-token";

  @TempDir Path tmp;

  @RegisterExtension final LaunchedProcesses children = new LaunchedProcesses();

  @Test
  void helpListsEveryCommandAndServesHelpListsItsFlagsWithTheirEnvironmentVariables()
      throws Exception {
    JarCommand root = JarCommand.run(tmp, List.of("--help"));
    JarCommand serve = JarCommand.run(tmp, List.of("serve", "--help"));

    assertThat(root.exitCode()).as(root.stderr()).isZero();
    assertThat(root.stdout()).contains("serve", "admin", "apply", "version");
    assertThat(serve.exitCode()).as(serve.stderr()).isZero();
    for (Setting setting : Setting.values()) {
      if (setting.flag() != null) {
        assertThat(serve.stdout()).contains("--" + setting.flag());
      }
      assertThat(serve.stdout()).contains(setting.env());
    }
    assertThat(Files.exists(tmp.resolve("data"))).as("help starts nothing").isFalse();
  }

  @Test
  void aMisspelledFlagFailsWithTheClosestOneInsteadOfServingOnTheDefaultPort() throws Exception {
    JarCommand typo = JarCommand.run(tmp, List.of("--prot", "18560"));

    assertThat(typo.exitCode()).isEqualTo(PouchCli.USAGE);
    assertThat(typo.stderr()).contains("--prot").contains("--port");
    assertThat(Files.exists(tmp.resolve("data"))).as("nothing was started").isFalse();
  }

  @Test
  void applyHelpNamesTheFileTheServerTheDryRunAndWhereTheAdminTokenComesFrom() throws Exception {
    JarCommand help = JarCommand.run(tmp, List.of("apply", "--help"));

    assertThat(help.exitCode()).as(help.stderr()).isZero();
    assertThat(help.stdout())
        .contains("--file", "--url", "POUCH_URL", "--dry-run", "POUCH_ADMIN_TOKEN", "{env:");
  }

  @Test
  void applyCreatesTheFilesKeysOnARunningServerOnceThenSaysNothingChanged() throws Exception {
    PouchProcess server =
        children.launch(
            "apply-server",
            PouchProcess.jdk17(),
            tmp,
            tmp.resolve("data"),
            Map.of("POUCH_ADMIN_TOKEN", ADMIN_TOKEN));
    server.awaitHealthy(PouchProcess.START_TIMEOUT);
    Files.writeString(
        tmp.resolve("keys.yaml"),
        """
        teams:
          - name: research
            budgets: [{limit_micros: 10000000}]
        keys:
          - name: notebook
            team: research
            provider: {id: mock}
            budget_limit_micros: 2000000
        """);
    List<String> apply =
        List.of("apply", "-f", "keys.yaml", "--url", "http://127.0.0.1:" + server.port);
    Map<String, String> env = Map.of("POUCH_ADMIN_TOKEN", ADMIN_TOKEN);

    JarCommand first = JarCommand.run(tmp, apply, env);
    JarCommand second = JarCommand.run(tmp, apply, env);

    assertThat(first.exitCode()).as(first.stderr()).isZero();
    assertThat(first.stdout()).contains("created: 1 key, 1 team").containsPattern("pa-\\S{40,}");
    assertThat(second.exitCode()).as(second.stderr()).isZero();
    assertThat(second.stdout())
        .contains("unchanged: 1 key, 1 team", "Nothing changed.")
        .doesNotContain("pa-");
  }

  @Test
  void versionPrintsTheBuildsVersion() throws Exception {
    JarCommand version = JarCommand.run(tmp, List.of("version"));

    assertThat(version.exitCode()).isZero();
    assertThat(version.stdout().strip()).matches("pouch \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }
}
