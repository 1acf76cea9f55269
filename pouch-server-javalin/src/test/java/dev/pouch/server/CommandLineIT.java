package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaded jar's command line as a user meets it: help, version, and a misspelled flag. */
class CommandLineIT {
  @TempDir Path tmp;

  @Test
  void helpListsEveryCommandAndServesHelpListsItsFlagsWithTheirEnvironmentVariables()
      throws Exception {
    JarCommand root = JarCommand.run(tmp, List.of("--help"));
    JarCommand serve = JarCommand.run(tmp, List.of("serve", "--help"));

    assertThat(root.exitCode()).as(root.stderr()).isZero();
    assertThat(root.stdout()).contains("serve", "admin", "version");
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
  void versionPrintsTheBuildsVersion() throws Exception {
    JarCommand version = JarCommand.run(tmp, List.of("version"));

    assertThat(version.exitCode()).isZero();
    assertThat(version.stdout().strip()).matches("pouch \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }
}
