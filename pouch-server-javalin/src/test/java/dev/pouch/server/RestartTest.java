package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys, spend and the request log live in the SQLite file and survive a restart. */
class RestartTest {
  @TempDir Path data;

  @Test
  void keysSpendAndTheLogAreIntactAfterARestartOnTheSameDataFolder() {
    try (TestPouch pouch = TestPouch.start(data)) {
      TestPouch.CreatedTestKey spender =
          pouch.createKey(KeyBody.mock("spender").prices("5", "20").budgetMicros(500_000));
      TestPouch.CreatedTestKey idle =
          pouch.createKey(KeyBody.mock("idle").resetPeriodSeconds(3600));
      Map<String, Object> body =
          Map.of(
              "model",
              "m",
              "max_tokens",
              8,
              "messages",
              List.of(Map.of("role", "user", "content", "remember me")));
      for (int i = 0; i < 3; i++) {
        assertThat(pouch.chat(spender, body).status()).isEqualTo(200);
      }
      String keysBefore = pouch.admin("GET", "/api/keys", null).raw();
      String logBefore = pouch.admin("GET", "/api/requests", null).raw();
      long spentBefore = pouch.budget(spender.id()).get("spent_micros").asLong();
      assertThat(spentBefore).isPositive();

      pouch.restart();

      assertThat(pouch.admin("GET", "/api/keys", null).raw()).isEqualTo(keysBefore);
      assertThat(pouch.admin("GET", "/api/requests", null).raw()).isEqualTo(logBefore);
      JsonNode log = pouch.admin("GET", "/api/requests", null).body();
      assertThat(log).hasSize(3);
      // the same secrets still work, and spending goes on from where it was
      assertThat(pouch.chat(idle, body).status()).isEqualTo(200);
      assertThat(pouch.chat(spender, body).status()).isEqualTo(200);
      assertThat(pouch.budget(spender.id()).get("spent_micros").asLong())
          .isGreaterThan(spentBefore);
      assertThat(pouch.budget(spender.id()).get("reserved_micros").asLong()).isZero();
    }
  }
}
