package dev.pouch.adapters.sqlite;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.EndUserPolicy;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.testkit.KeyRepositoryContract;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key repository contract on a SQLite file, and what is SQLite's own: the policy JSON. */
class SqliteKeyRepositoryTest extends KeyRepositoryContract {
  @TempDir Path dir;

  @Override
  protected KeyRepository createRepository() {
    return Fixtures.open(dir);
  }

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
  void policyWithoutMiddlewaresOrModelsRoundTrips() {
    KeyPolicy policy =
        new KeyPolicy(new PluginRef("mock", PluginConfig.EMPTY), List.of(), List.of());

    assertThat(PolicyJson.read(PolicyJson.write(policy))).isEqualTo(policy);
  }

  @Test
  void aPolicysEndUserSourceRequirementAndTermsRoundTrip() {
    KeyPolicy policy =
        new KeyPolicy(
            new PluginRef("mock", PluginConfig.EMPTY),
            List.of(),
            List.of(),
            new EndUserPolicy(
                EndUserPolicy.Source.SAFETY_IDENTIFIER,
                true,
                List.of(new BudgetTerms(5_000_000, 86_400), new BudgetTerms(20_000_000, 0))));

    String json = PolicyJson.write(policy);

    assertThat(PolicyJson.read(json)).isEqualTo(policy);
    assertThat(json).contains("\"source\":\"safety_identifier\"");
    assertThat(PolicyJson.read(PolicyJson.write(policy.withEndUser(null))).endUser()).isNull();
  }

  @Test
  void updateToAnotherKeysSecretHashIsRefused() {
    repository.insert(key("key_1", "a".repeat(64), T0));
    AppKey second = key("key_2", "b".repeat(64), T0);
    repository.insert(second);
    AppKey clash =
        new AppKey("key_2", "Clash", "pk-2", "a".repeat(64), T0, null, false, second.policy(), 2);

    assertThatThrownBy(() -> repository.update(clash, 1)).isInstanceOf(IllegalStateException.class);
    assertThat(repository.findById("key_2")).contains(second);
  }
}
