package dev.pouch.testkit;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.EndUserPolicy;
import dev.pouch.domain.key.Fallback;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.plugin.PluginConfig;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link KeyRepository} must do. Extend it in your module's tests and return a fresh,
 * empty repository from {@link #createRepository()}; it is closed after each test when it is {@link
 * AutoCloseable}.
 *
 * <pre>{@code
 * class MyKeyRepositoryTest extends KeyRepositoryContract {
 *   protected KeyRepository createRepository() { return MyStore.inMemory(); }
 * }
 * }</pre>
 */
public abstract class KeyRepositoryContract {
  /** The repository under test, fresh for every test. */
  protected KeyRepository repository;

  /** A new, empty repository. */
  protected abstract KeyRepository createRepository() throws Exception;

  @BeforeEach
  void createRepositoryUnderTest() throws Exception {
    repository = createRepository();
  }

  @AfterEach
  void closeRepositoryUnderTest() throws Exception {
    Closing.closeIfCloseable(repository);
  }

  @Test
  void insertedKeyIsFoundByIdAndByHash() {
    AppKey key = key("key_1", "a".repeat(64), T0);
    repository.insert(key);

    assertThat(repository.findById("key_1")).contains(key);
    assertThat(repository.findBySecretHash("a".repeat(64))).contains(key);
    assertThat(repository.findById("key_2")).isEmpty();
    assertThat(repository.findBySecretHash("b".repeat(64))).isEmpty();
  }

  @Test
  void aKeysTeamIsStoredAndChanged() {
    AppKey key = key("key_1", "a".repeat(64), T0).withTeam("team_1");
    repository.insert(key);
    assertThat(repository.findById("key_1").orElseThrow().teamId()).isEqualTo("team_1");

    assertThat(repository.update(key.withTeam(null), key.version())).isTrue();

    assertThat(repository.findById("key_1").orElseThrow().teamId()).isNull();
  }

  @Test
  void keyWithoutExpiryKeepsNone() {
    repository.insert(key("key_1", "a".repeat(64), T0).withExpiry(null));

    assertThat(repository.findById("key_1").orElseThrow().expiresAt()).isNull();
  }

  @Test
  void listHasLiveKeysOldestFirst() {
    repository.insert(key("key_b", "b".repeat(64), T0.plusSeconds(10)));
    repository.insert(key("key_a", "a".repeat(64), T0));
    repository.insert(key("key_c", "c".repeat(64), T0.plusSeconds(20)));
    repository.delete("key_c");

    assertThat(repository.list()).extracting(AppKey::id).containsExactly("key_a", "key_b");
  }

  @Test
  void policyRoundTripKeepsTypesScalesAndOrder() {
    AppKey key = key("key_1", "a".repeat(64), T0);
    repository.insert(key);

    KeyPolicy policy = repository.findById("key_1").orElseThrow().policy();
    assertThat(policy).isEqualTo(key.policy());
    Map<String, Object> provider = policy.provider().config().values();
    assertThat(provider.keySet())
        .containsExactly("base_url", "temperature", "max_retries", "whole_decimal", "stream");
    assertThat(provider.get("temperature")).isInstanceOf(BigDecimal.class);
    assertThat(((BigDecimal) provider.get("temperature")).scale()).isEqualTo(2);
    assertThat(provider.get("whole_decimal")).isEqualTo(new BigDecimal("3"));
    assertThat(provider.get("max_retries")).isInstanceOf(Long.class).isEqualTo(3L);
    assertThat(provider.get("stream")).isEqualTo(Boolean.TRUE);
    assertThat(policy.middlewares())
        .extracting(PluginRef::id)
        .containsExactly("rate-limit", "model-rules", "mock");
    assertThat(policy.middlewares().get(0).config().values().get("burst"))
        .isEqualTo(new BigDecimal("1.5E+3"));
    assertThat(policy.allowedModels()).containsExactly("gpt-4o-mini", "gpt-4o");
    assertThat(policy.fallbacks()).isEqualTo(TestData.policy().fallbacks());
    assertThat(policy.fallbacks().get(0).provider().config().values().get("max_retries"))
        .isInstanceOf(Long.class);
  }

  @Test
  void updateWithTheStoredVersionReplacesTheKey() {
    AppKey key = key("key_1", "a".repeat(64), T0);
    repository.insert(key);
    AppKey edited =
        key.edited(
            "Renamed",
            null,
            false,
            new KeyPolicy(new PluginRef("mock", PluginConfig.EMPTY), List.of(), List.of("m")));

    assertThat(repository.update(edited, 1)).isTrue();

    AppKey stored = repository.findById("key_1").orElseThrow();
    assertThat(stored).isEqualTo(edited);
    assertThat(stored.version()).isEqualTo(2);
    assertThat(repository.findBySecretHash("a".repeat(64))).contains(edited);
  }

  @Test
  void aKeysEndUserPolicyAndFallbacksAreStoredWithIt() {
    AppKey key = key("key_1", "a".repeat(64), T0);
    KeyPolicy policy =
        new KeyPolicy(
            new PluginRef("mock", PluginConfig.EMPTY),
            List.of(new Fallback(new PluginRef("mock", PluginConfig.EMPTY), "m-2")),
            List.of(),
            List.of("m"),
            new EndUserPolicy(
                EndUserPolicy.Source.USER, true, List.of(new BudgetTerms(1_000_000, 86_400))));
    AppKey withEndUsers = key.edited(key.name(), null, false, policy);

    repository.insert(withEndUsers);

    assertThat(repository.findById("key_1").orElseThrow().policy()).isEqualTo(policy);
  }

  @Test
  void aSuspensionIsStoredAndLiftedLikeAnyEdit() {
    AppKey key = key("key_1", "a".repeat(64), T0);
    repository.insert(key);
    AppKey suspended =
        key.withSuspension(new dev.pouch.domain.key.Suspension(T0.plusSeconds(5), "spend_guard"));

    assertThat(repository.update(suspended, key.version())).isTrue();
    assertThat(repository.findById("key_1")).contains(suspended);
    AppKey resumed = suspended.withSuspension(null);
    assertThat(repository.update(resumed, suspended.version())).isTrue();
    assertThat(repository.findById("key_1").orElseThrow().isSuspended()).isFalse();
    assertThat(repository.update(suspended, key.version())).as("stale version").isFalse();
  }

  @Test
  void updateWithAStaleVersionChangesNothing() {
    AppKey key = key("key_1", "a".repeat(64), T0);
    repository.insert(key);
    assertThat(repository.update(key.withExpiry(T0.plusSeconds(5)), 1)).isTrue();

    AppKey stale = key.edited("Lost update", null, false, key.policy());
    assertThat(repository.update(stale, 1)).isFalse();
    assertThat(repository.findById("key_1").orElseThrow().name()).isEqualTo(key.name());
    assertThat(repository.update(key("key_9", "9".repeat(64), T0), 1)).isFalse();
  }

  @Test
  void deletedKeyIsNoLongerFoundNorUpdatable() {
    AppKey key = key("key_1", "a".repeat(64), T0);
    repository.insert(key);

    assertThat(repository.delete("key_1")).isTrue();

    assertThat(repository.findBySecretHash("a".repeat(64))).isEmpty();
    assertThat(repository.findById("key_1")).isEmpty();
    assertThat(repository.list()).isEmpty();
    assertThat(repository.update(key.withExpiry(null), 1)).isFalse();
    assertThat(repository.delete("key_1")).isFalse();
    assertThat(repository.delete("key_unknown")).isFalse();
  }

  @Test
  void duplicateIdOrSecretHashIsRefused() {
    repository.insert(key("key_1", "a".repeat(64), T0));

    assertThatThrownBy(() -> repository.insert(key("key_2", "a".repeat(64), T0)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> repository.insert(key("key_1", "b".repeat(64), T0)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(repository.list()).extracting(AppKey::id).containsExactly("key_1");
  }
}
