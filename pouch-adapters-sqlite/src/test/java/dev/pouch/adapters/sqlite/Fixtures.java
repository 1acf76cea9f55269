package dev.pouch.adapters.sqlite;

import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.plugin.PluginConfig;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test data. */
final class Fixtures {
  static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

  private Fixtures() {}

  static SqliteStore open(Path dir) {
    return SqliteStore.open(dir.resolve("pouch.db"));
  }

  static KeyPolicy policy() {
    Map<String, Object> provider = new LinkedHashMap<>();
    provider.put("base_url", "https://api.example.com/v1");
    provider.put("temperature", new BigDecimal("2.50"));
    provider.put("max_retries", 3L);
    provider.put("whole_decimal", new BigDecimal("3"));
    provider.put("stream", Boolean.TRUE);
    Map<String, Object> limiter = new LinkedHashMap<>();
    limiter.put("per_minute", 60L);
    limiter.put("burst", new BigDecimal("1.5E+3"));
    Map<String, Object> rules = new LinkedHashMap<>();
    rules.put("strict", Boolean.FALSE);
    return new KeyPolicy(
        new PluginRef("openai", PluginConfig.restore(provider)),
        List.of(
            new PluginRef("rate-limit", PluginConfig.restore(limiter)),
            new PluginRef("model-rules", PluginConfig.restore(rules)),
            new PluginRef("mock", PluginConfig.EMPTY)),
        List.of("gpt-4o-mini", "gpt-4o"));
  }

  static AppKey key(String id, String secretHash, Instant createdAt) {
    return new AppKey(
        id,
        "Key " + id,
        "pk-" + id.substring(Math.max(0, id.length() - 4)),
        secretHash,
        createdAt,
        createdAt.plusSeconds(86_400),
        true,
        policy(),
        1);
  }

  static Reservation reservation(String id, String keyId, long amountMicros) {
    return new Reservation(id, keyId, amountMicros, T0);
  }

  static RequestRecord record(String requestId, String keyId, Instant at, long costMicros) {
    return new RequestRecord(
        requestId,
        keyId,
        "gpt-4o-mini",
        at,
        200,
        true,
        120,
        20,
        30,
        costMicros,
        costMicros,
        SettlementBasis.USAGE_REPORTED,
        0,
        850,
        null);
  }

  static Settlement settlement(Reservation reservation, long actualMicros) {
    SettlementBasis basis =
        actualMicros == 0 ? SettlementBasis.REFUNDED : SettlementBasis.USAGE_REPORTED;
    RequestRecord record =
        new RequestRecord(
            reservation.id(),
            reservation.keyId(),
            "gpt-4o-mini",
            reservation.createdAt(),
            200,
            false,
            100,
            0,
            50,
            reservation.amountMicros(),
            actualMicros,
            basis,
            Math.max(0, actualMicros - reservation.amountMicros()),
            1200,
            null);
    return new Settlement(
        reservation.id(), actualMicros, basis, reservation.createdAt().plusSeconds(2), record);
  }

  /** The one number {@code sql} selects, read straight from the store's tables. */
  static long count(SqliteStore store, String sql) {
    return store.database().read(handle -> handle.createQuery(sql).mapTo(Long.class).one());
  }

  /** The strings {@code sql} selects. */
  static List<String> strings(SqliteStore store, String sql) {
    return store.database().read(handle -> handle.createQuery(sql).mapTo(String.class).list());
  }
}
