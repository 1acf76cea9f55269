package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.port.in.DriftThreshold;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconciliationConfigTest {

  private static ServerConfig parse(Map<String, String> env, String... args) {
    return ServerConfig.parse(args, env);
  }

  @Test
  void defaultsToNoAdminKeysTwoPercentAndOneCent() {
    ReconciliationConfig config = parse(Map.of()).reconciliation();

    assertThat(config.openAiAdminKey()).isNull();
    assertThat(config.anthropicAdminKey()).isNull();
    assertThat(config.openAiAdminBaseUrl()).as("then --openai-base-url").isNull();
    assertThat(config.anthropicAdminBaseUrl()).isEqualTo("https://api.anthropic.com");
    assertThat(config.drift()).isEqualTo(DriftThreshold.DEFAULT);
  }

  @Test
  void adminKeysComeFromTheEnvironmentAndNeverShowInToString() {
    ServerConfig config =
        parse(
            Map.of(
                "POUCH_OPENAI_ADMIN_KEY", "sk-admin-secret",
                "POUCH_ANTHROPIC_ADMIN_KEY", "sk-ant-admin-secret"),
            "--openai-admin-base-url",
            "http://127.0.0.1:9/v1",
            "--reconciliation-drift-percent",
            "0.5",
            "--reconciliation-drift-floor-micros",
            "0");

    assertThat(config.reconciliation().openAiAdminKey()).isEqualTo("sk-admin-secret");
    assertThat(config.reconciliation().anthropicAdminKey()).isEqualTo("sk-ant-admin-secret");
    assertThat(config.reconciliation().openAiAdminBaseUrl()).isEqualTo("http://127.0.0.1:9/v1");
    assertThat(config.reconciliation().drift())
        .isEqualTo(new DriftThreshold(new BigDecimal("0.5"), 0));
    assertThat(config.toString()).doesNotContain("secret");
  }

  @Test
  void aBadThresholdNamesItsFlag() {
    assertThatThrownBy(() -> parse(Map.of(), "--reconciliation-drift-percent", "two"))
        .hasMessageContaining("reconciliation-drift-percent");
    assertThatThrownBy(() -> parse(Map.of("POUCH_RECONCILIATION_DRIFT_PERCENT", "101")))
        .hasMessageContaining("reconciliation-drift-percent");
    assertThatThrownBy(() -> parse(Map.of(), "--reconciliation-drift-floor-micros", "-1"))
        .hasMessageContaining("reconciliation-drift-floor-micros");
  }

  @Test
  void anAdminKeyIsRefusedInAConfigFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("pouch.yaml");
    Files.writeString(file, "POUCH_OPENAI_ADMIN_KEY: sk-admin-nope\n");

    assertThatThrownBy(() -> parse(Map.of(), "--config", file.toString()))
        .hasMessageContaining("environment")
        .hasMessageNotContaining("sk-admin-nope");
  }
}
