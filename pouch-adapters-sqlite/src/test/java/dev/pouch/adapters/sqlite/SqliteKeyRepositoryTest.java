package dev.pouch.adapters.sqlite;

import static dev.pouch.adapters.sqlite.Fixtures.T0;
import static dev.pouch.adapters.sqlite.Fixtures.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.plugin.PluginConfig;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqliteKeyRepositoryTest extends StoreTest {

  @Test
  void insertedKeyIsFoundByIdAndByHash() {
    AppKey key = key("key_1", "a".repeat(64), T0);
    store.insert(key);

    assertThat(store.findById("key_1")).contains(key);
    assertThat(store.findBySecretHash("a".repeat(64))).contains(key);
    assertThat(store.findById("key_2")).isEmpty();
    assertThat(store.findBySecretHash("b".repeat(64))).isEmpty();
  }

  @Test
  void keyWithoutExpiryKeepsNone() {
    AppKey key = key("key_1", "a".repeat(64), T0).withExpiry(null);
    store.insert(key);

    assertThat(store.findById("key_1").orElseThrow().expiresAt()).isNull();
  }

  @Test
  void aSuspensionIsStoredAndLiftedLikeAnyEdit() {
    AppKey key = key("key_1", "a".repeat(64), T0);
    store.insert(key);
    AppKey suspended =
        key.withSuspension(new dev.pouch.domain.key.Suspension(T0.plusSeconds(5), "spend_guard"));

    assertThat(store.update(suspended, key.version())).isTrue();
    assertThat(store.findById("key_1")).contains(suspended);
    AppKey resumed = suspended.withSuspension(null);
    assertThat(store.update(resumed, suspended.version())).isTrue();
    assertThat(store.findById("key_1").orElseThrow().isSuspended()).isFalse();
    assertThat(store.update(suspended, key.version())).as("stale version").isFalse();
  }

  @Test
  void listHasLiveKeysOldestFirst() {
    store.insert(key("key_b", "b".repeat(64), T0.plusSeconds(10)));
    store.insert(key("key_a", "a".repeat(64), T0));
    store.insert(key("key_c", "c".repeat(64), T0.plusSeconds(20)));
    store.delete("key_c");

    assertThat(store.list()).extracting(AppKey::id).containsExactly("key_a", "key_b");
  }

  @Test
  void policyRoundTripKeepsTypesScalesAndOrder() {
    AppKey key = key("key_1", "a".repeat(64), T0);
    store.insert(key);

    KeyPolicy policy = store.findById("key_1").orElseThrow().policy();
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
  void updateWithTheStoredVersionReplacesTheKey() {
    AppKey key = key("key_1", "a".repeat(64), T0);
    store.insert(key);
    AppKey edited =
        key.edited(
            "Renamed",
            null,
            false,
            new KeyPolicy(new PluginRef("mock", PluginConfig.EMPTY), List.of(), List.of("m")));

    assertThat(store.update(edited, 1)).isTrue();

    AppKey stored = store.findById("key_1").orElseThrow();
    assertThat(stored).isEqualTo(edited);
    assertThat(stored.version()).isEqualTo(2);
  }

  @Test
  void updateWithAStaleVersionChangesNothing() {
    AppKey key = key("key_1", "a".repeat(64), T0);
    store.insert(key);
    assertThat(store.update(key.withExpiry(T0.plusSeconds(5)), 1)).isTrue();

    AppKey stale = key.edited("Lost update", null, false, key.policy());
    assertThat(store.update(stale, 1)).isFalse();
    assertThat(store.findById("key_1").orElseThrow().name()).isEqualTo(key.name());
    assertThat(store.update(key("key_9", "9".repeat(64), T0), 1)).isFalse();
  }

  @Test
  void deletedKeyIsNoLongerFoundNorUpdatable() {
    AppKey key = key("key_1", "a".repeat(64), T0);
    store.insert(key);

    assertThat(store.delete("key_1")).isTrue();

    assertThat(store.findBySecretHash("a".repeat(64))).isEmpty();
    assertThat(store.findById("key_1")).isEmpty();
    assertThat(store.list()).isEmpty();
    assertThat(store.update(key.withExpiry(null), 1)).isFalse();
    assertThat(store.delete("key_1")).isFalse();
    assertThat(store.delete("key_unknown")).isFalse();
  }

  @Test
  void duplicateIdOrSecretHashIsRefused() {
    store.insert(key("key_1", "a".repeat(64), T0));

    assertThatThrownBy(() -> store.insert(key("key_2", "a".repeat(64), T0)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.insert(key("key_1", "b".repeat(64), T0)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(store.list()).extracting(AppKey::id).containsExactly("key_1");
  }

  @Test
  void updateToAnotherKeysSecretHashIsRefused() {
    store.insert(key("key_1", "a".repeat(64), T0));
    AppKey second = key("key_2", "b".repeat(64), T0);
    store.insert(second);
    AppKey clash =
        new AppKey("key_2", "Clash", "pk-2", "a".repeat(64), T0, null, false, second.policy(), 2);

    assertThatThrownBy(() -> store.update(clash, 1)).isInstanceOf(IllegalStateException.class);
    assertThat(store.findById("key_2")).contains(second);
  }
}
