package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import dev.pouch.adapters.sqlite.SqliteStore;
import dev.pouch.application.keys.KeySecrets;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.plugin.PluginConfig;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys stored before the admin API checked header values, far-off times and prices: their requests
 * get a clear 400 naming the field (never a 500 that echoes the value), or are served when nothing
 * is wrong but a value beyond today's bounds, and the admin API still lists every key.
 */
class StoredOutOfBoundsKeysTest {
  private static final String LEGACY_SECRET = "sk-legacy-secret";
  private static final Instant NOW = Instant.parse("2026-11-01T00:00:00Z");
  private static final Map<String, Object> HELLO =
      Map.of(
          "model",
          "gpt-4o-mini",
          "max_tokens",
          4,
          "messages",
          List.of(Map.of("role", "user", "content", "hello")));

  @TempDir Path data;
  private FakeOpenAiUpstream upstream;

  @BeforeEach
  void startUpstream() {
    upstream = FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT.withResponseText("ok"));
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  /** Stores a key the way an older Pouch could have, bypassing today's admin checks. */
  private static void storeLegacyKey(
      SqliteStore store,
      String name,
      String providerId,
      Map<String, Object> config,
      Instant expiresAt,
      long resetPeriodSeconds) {
    String id = "key_" + name;
    store.open(id, 0, resetPeriodSeconds, NOW);
    store.insert(
        new AppKey(
            id,
            name,
            "pa-" + name,
            KeySecrets.hash("pa-" + name + "-secret"),
            NOW,
            expiresAt,
            expiresAt != null,
            new KeyPolicy(
                new PluginRef(providerId, PluginConfig.restore(config)), List.of(), List.of()),
            1));
  }

  private static TestPouch.Reply chat(TestPouch pouch, String name) {
    return pouch.send("POST", "/v1/chat/completions", "Bearer pa-" + name + "-secret", HELLO);
  }

  @Test
  void storedBadValuesAreClearConfigErrorsAndFarOffOnesStillServe() {
    Map<String, Object> newline = new LinkedHashMap<>();
    newline.put("api_key", LEGACY_SECRET + "\n");
    newline.put("base_url", upstream.baseUrl());
    Map<String, Object> organization = new LinkedHashMap<>();
    organization.put("api_key", LEGACY_SECRET);
    organization.put("base_url", upstream.baseUrl());
    organization.put("organization", "org-\u00fc");
    Map<String, Object> pricey = new LinkedHashMap<>();
    pricey.put("input_usd_per_mtok", new BigDecimal("1e20"));
    pricey.put("output_usd_per_mtok", BigDecimal.ONE);
    try (SqliteStore store = SqliteStore.open(data.resolve("pouch.db"))) {
      storeLegacyKey(store, "newline", "openai", newline, null, 0);
      storeLegacyKey(store, "organization", "openai", organization, null, 0);
      storeLegacyKey(store, "pricey", "mock", pricey, null, 0);
      // Expired, renews itself by a period far beyond what the admin API accepts today.
      storeLegacyKey(
          store,
          "endless",
          "mock",
          Map.of(),
          Instant.parse("2020-01-01T00:00:00Z"),
          Long.MAX_VALUE);
    }

    try (TestPouch pouch = TestPouch.start(data)) {
      assertConfigError(chat(pouch, "newline"), "provider.config.api_key", LEGACY_SECRET);
      assertConfigError(chat(pouch, "organization"), "provider.config.organization", "org-\u00fc");
      assertConfigError(chat(pouch, "pricey"), "provider.config.input_usd_per_mtok", "1E+20");

      TestPouch.Reply renewed = chat(pouch, "endless");
      assertThat(renewed.status()).as(renewed.raw()).isEqualTo(200);
      TestPouch.Reply view = pouch.admin("GET", "/api/keys/key_endless", null);
      assertThat(view.status()).as(view.raw()).isEqualTo(200);
      assertThat(Instant.parse(view.body().at("/expires_at").asText()))
          .isAfter(Instant.now())
          .isBeforeOrEqualTo(Instant.parse("9999-12-31T23:59:59Z"));
      assertThat(chat(pouch, "endless").status()).isEqualTo(200);

      TestPouch.Reply list = pouch.admin("GET", "/api/keys", null);
      assertThat(list.status()).as(list.raw()).isEqualTo(200);
      assertThat(list.body()).hasSize(4);
      assertThat(list.raw()).doesNotContain(LEGACY_SECRET);
    }
  }

  private static void assertConfigError(TestPouch.Reply reply, String param, String hidden) {
    assertThat(reply.status()).as(reply.raw()).isEqualTo(400);
    assertThat(reply.errorType()).isEqualTo("invalid_request_error");
    assertThat(reply.errorCode()).isEqualTo("invalid_config");
    assertThat(reply.body().at("/error/param").asText()).isEqualTo(param);
    assertThat(reply.raw()).doesNotContain(hidden);
  }
}
