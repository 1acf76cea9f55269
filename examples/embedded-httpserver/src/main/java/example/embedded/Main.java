package example.embedded;

import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.application.port.in.KeyDraft;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Runs the gateway on port 8080 with a demo key, printing the key once. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    EmbeddedGateway gateway = EmbeddedGateway.start(Path.of("data", "embedded.db"), 8080);
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close));
    CreatedKey key = gateway.pouch().keys().create(demoKey(1_000_000));
    System.out.println(
        "Serving http://localhost:" + gateway.port() + "/v1 — app key: " + key.secret());
  }

  /** A key on the mock provider (GPT-4o-like prices) with a budget in micro-dollars. */
  static KeyDraft demoKey(long budgetMicros) {
    return new KeyDraft(
        "demo",
        "mock",
        Map.of("input_usd_per_mtok", new BigDecimal("2.5"), "output_usd_per_mtok", BigDecimal.TEN),
        List.of(),
        List.of(),
        budgetMicros,
        0,
        null,
        false);
  }
}
