package dev.pouch.adapters.jdbc;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.key.EndUserPolicy;
import dev.pouch.domain.key.Fallback;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.plugin.PluginConfig;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The policy JSON every SQL store keeps in {@code app_keys.policy_json}. */
class PolicyJsonTest {
  @Test
  void policyJsonIsTypeTagged() {
    String json = PolicyJson.write(key("key_1", "a".repeat(64), T0).policy());

    assertThat(json)
        .contains("\"temperature\":{\"decimal\":\"2.50\"}")
        .contains("\"max_retries\":{\"integer\":3}")
        .contains("\"stream\":{\"boolean\":true}")
        .contains("\"allowed_models\":[\"gpt-4o-mini\",\"gpt-4o\"]");
  }

  @Test
  void aPolicyWithFallbacksAndEndUserBudgetsRoundTripsWithItsConfigTypesAndOrder() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("base_url", "https://upstream.example");
    config.put("max_retries", 3L);
    config.put("temperature", new BigDecimal("2.50"));
    config.put("stream", true);
    KeyPolicy policy =
        new KeyPolicy(
            new PluginRef("openai", PluginConfig.restore(config)),
            List.of(
                new Fallback(new PluginRef("anthropic", PluginConfig.EMPTY), "claude-sonnet-4-5"),
                new Fallback(new PluginRef("mock", PluginConfig.EMPTY), null)),
            List.of(new PluginRef("rate-limit", PluginConfig.EMPTY)),
            List.of("gpt-4o-mini"),
            new EndUserPolicy(
                EndUserPolicy.Source.SAFETY_IDENTIFIER,
                true,
                List.of(new BudgetTerms(5_000_000, 86_400), new BudgetTerms(20_000_000, 0))));

    String json = PolicyJson.write(policy);
    KeyPolicy read = PolicyJson.read(json);

    assertThat(read).isEqualTo(policy);
    assertThat(read.provider().config().values().keySet())
        .containsExactly("base_url", "max_retries", "temperature", "stream");
    assertThat(read.fallbacks().get(1).model()).isNull();
    assertThat(json).contains("\"source\":\"safety_identifier\"");
  }

  @Test
  void aPolicyWithoutFallbacksMiddlewaresModelsOrEndUsersRoundTrips() {
    KeyPolicy policy =
        new KeyPolicy(new PluginRef("mock", PluginConfig.EMPTY), List.of(), List.of());

    String json = PolicyJson.write(policy);

    assertThat(PolicyJson.read(json)).isEqualTo(policy);
    assertThat(PolicyJson.read(json).endUser()).isNull();
    assertThat(json).doesNotContain("fallbacks").doesNotContain("end_user");
  }

  @Test
  void aPolicyStoredBeforeFallbacksAndEndUsersExistedReadsAsHavingNone() {
    KeyPolicy read =
        PolicyJson.read(
            "{\"provider\":{\"id\":\"mock\",\"config\":{}},\"middlewares\":[],"
                + "\"allowed_models\":[\"m\"]}");

    assertThat(read.fallbacks()).isEmpty();
    assertThat(read.endUser()).isNull();
    assertThat(read.allowedModels()).containsExactly("m");
  }

  @Test
  void storedJsonThatIsNotJsonFailsLoudly() {
    assertThatThrownBy(() -> PolicyJson.read("{not json"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not JSON");
  }
}
