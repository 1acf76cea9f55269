package dev.pouch.testkit;

import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.Fallback;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.plugin.PluginConfig;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Values the contract tests store: keys, reservations, settlements, request-log rows. */
public final class TestData {
  /** The instant every fixture starts from. */
  public static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

  private TestData() {}

  /**
   * A policy whose configs hold every value type a store must keep exactly: strings, decimals with
   * their scale (including exponent notation), integers as {@code Long}, booleans, in their order.
   */
  public static KeyPolicy policy() {
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
    Map<String, Object> fallback = new LinkedHashMap<>();
    fallback.put("base_url", "https://fallback.example.com/v1");
    fallback.put("max_retries", 0L);
    return new KeyPolicy(
        new PluginRef("openai", PluginConfig.restore(provider)),
        List.of(
            new Fallback(new PluginRef("openai", PluginConfig.restore(fallback)), "gpt-4.1"),
            new Fallback(new PluginRef("mock", PluginConfig.EMPTY), null)),
        List.of(
            new PluginRef("rate-limit", PluginConfig.restore(limiter)),
            new PluginRef("model-rules", PluginConfig.restore(rules)),
            new PluginRef("mock", PluginConfig.EMPTY)),
        List.of("gpt-4o-mini", "gpt-4o"));
  }

  /** A key at version 1 with {@link #policy()}, expiring a day after {@code createdAt}. */
  public static AppKey key(String id, String secretHash, Instant createdAt) {
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

  /** A reservation taken at {@link #T0}. */
  public static Reservation reservation(String id, String keyId, long amountMicros) {
    return new Reservation(id, keyId, amountMicros, T0);
  }

  /** A successful request's log row. */
  public static RequestRecord record(String requestId, String keyId, Instant at, long costMicros) {
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
        null,
        "gpt-4o-mini@test",
        null,
        null,
        "fallbacks[0]:openai");
  }

  /** A row of a request refused before any reservation. */
  public static RequestRecord refusal(String requestId, String keyId, Instant at) {
    return new RequestRecord(
        requestId,
        keyId,
        "gpt-4o",
        at,
        429,
        false,
        0,
        0,
        0,
        0,
        0,
        null,
        0,
        3,
        "insufficient_quota");
  }

  /**
   * The settlement of {@code reservation} at {@code actualMicros} (0 = refund), with its log row;
   * an actual above the reservation records the overrun.
   */
  public static Settlement settlement(Reservation reservation, long actualMicros) {
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
            null,
            null,
            null,
            reservation.endUserId());
    return new Settlement(
        reservation.id(), actualMicros, basis, reservation.createdAt().plusSeconds(2), record);
  }
}
