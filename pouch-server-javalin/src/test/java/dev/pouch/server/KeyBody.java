package dev.pouch.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test data: the body of {@code POST /api/keys}, built up fluently. */
final class KeyBody {
  private final Map<String, Object> body = new LinkedHashMap<>();
  private final Map<String, Object> providerConfig = new LinkedHashMap<>();
  private String providerId = "mock";
  private final List<Object> middlewares = new ArrayList<>();
  private final List<Object> fallbacks = new ArrayList<>();

  private KeyBody(String name) {
    body.put("name", name);
  }

  /** A key on the mock provider. */
  static KeyBody mock(String name) {
    return new KeyBody(name);
  }

  /** A key on the openai provider, pointed at {@code baseUrl} (a fake upstream in tests). */
  static KeyBody openAi(String name, String baseUrl) {
    KeyBody body = new KeyBody(name);
    body.providerId = "openai";
    body.providerConfig.put("base_url", baseUrl);
    body.providerConfig.put("api_key", "sk-test-upstream-secret");
    return body;
  }

  /** A key on the anthropic provider, pointed at {@code baseUrl} (a fake upstream in tests). */
  static KeyBody anthropic(String name, String baseUrl) {
    KeyBody body = new KeyBody(name);
    body.providerId = "anthropic";
    body.providerConfig.put("base_url", baseUrl);
    body.providerConfig.put("api_key", "sk-ant-test-upstream-secret");
    return body;
  }

  /** Mock prices in dollars per million tokens, written as JSON numbers. */
  KeyBody prices(String inputUsdPerMTok, String outputUsdPerMTok) {
    providerConfig.put("input_usd_per_mtok", new java.math.BigDecimal(inputUsdPerMTok));
    providerConfig.put("output_usd_per_mtok", new java.math.BigDecimal(outputUsdPerMTok));
    return this;
  }

  /** Sets a provider config field (mock or openai). */
  KeyBody providerSetting(String field, Object value) {
    providerConfig.put(field, value);
    return this;
  }

  KeyBody budgetMicros(long limit) {
    body.put("budget_limit_micros", limit);
    return this;
  }

  KeyBody resetPeriodSeconds(long seconds) {
    body.put("reset_period_seconds", seconds);
    return this;
  }

  KeyBody expiresAt(String isoTime, boolean autoRenew) {
    body.put("expires_at", isoTime);
    body.put("auto_renew", autoRenew);
    return this;
  }

  KeyBody allowedModels(String... models) {
    body.put("allowed_models", List.of(models));
    return this;
  }

  /**
   * Appends a fallback on the openai provider pointed at {@code baseUrl}, asked for {@code model}
   * ({@code null}: the request's).
   */
  KeyBody openAiFallback(String baseUrl, String model) {
    return fallback("openai", baseUrl, "sk-test-fallback-secret", model);
  }

  /** Appends a fallback on {@code providerId} (openai or anthropic) pointed at {@code baseUrl}. */
  KeyBody fallback(String providerId, String baseUrl, String apiKey, String model) {
    Map<String, Object> fallback = new LinkedHashMap<>();
    fallback.put("id", providerId);
    fallback.put("config", Map.of("base_url", baseUrl, "api_key", apiKey));
    if (model != null) {
      fallback.put("model", model);
    }
    fallbacks.add(fallback);
    return this;
  }

  /** Appends a middleware to the key's chain. */
  KeyBody middleware(String id, Map<String, Object> config) {
    middlewares.add(Map.of("id", id, "config", config));
    return this;
  }

  KeyBody set(String field, Object value) {
    body.put(field, value);
    return this;
  }

  Map<String, Object> toMap() {
    Map<String, Object> copy = new LinkedHashMap<>(body);
    copy.put("provider", Map.of("id", providerId, "config", providerConfig));
    if (!middlewares.isEmpty()) {
      copy.put("middlewares", middlewares);
    }
    if (!fallbacks.isEmpty()) {
      copy.put("fallbacks", fallbacks);
    }
    return copy;
  }
}
