package dev.pouch.application.port.in;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.KeyName;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What an admin asks for when creating or editing a key, before plugin configs are validated.
 *
 * @param name display name
 * @param providerId provider plugin id
 * @param providerConfig raw provider config (JSON values)
 * @param middlewares middleware ids with raw configs, in chain order
 * @param allowedModels models the key may use; empty = any
 * @param budgetLimitMicros spend limit per period; 0 = unlimited
 * @param resetPeriodSeconds budget period; 0 = never resets; at most {@link
 *     Budget#MAX_RESET_PERIOD_SECONDS}
 * @param expiresAt expiry or {@code null}; from {@link AppKey#EARLIEST_EXPIRY} to {@link
 *     AppKey#LATEST_EXPIRY}
 * @param autoRenew whether expiry renews itself
 */
public record KeyDraft(
    String name,
    String providerId,
    Map<String, Object> providerConfig,
    List<MiddlewareDraft> middlewares,
    List<String> allowedModels,
    long budgetLimitMicros,
    long resetPeriodSeconds,
    Instant expiresAt,
    boolean autoRenew) {

  /** One middleware of a draft. */
  public record MiddlewareDraft(String id, Map<String, Object> config) {}

  /** Checks everything that needs no plugin knowledge; returns the draft with the name trimmed. */
  public KeyDraft {
    name = KeyName.validate(name);
    if (providerId == null || providerId.isBlank()) {
      throw RequestRejectedException.invalidRequest("provider.id", "provider.id is required");
    }
    providerConfig = providerConfig == null ? Map.of() : providerConfig;
    middlewares = List.copyOf(middlewares == null ? List.of() : middlewares);
    allowedModels = List.copyOf(allowedModels == null ? List.of() : allowedModels);
    for (String model : allowedModels) {
      if (model == null || model.isBlank() || model.length() > 200) {
        throw RequestRejectedException.invalidRequest(
            "allowed_models", "allowed_models must hold non-empty model names");
      }
    }
    if (budgetLimitMicros < 0) {
      throw RequestRejectedException.invalidRequest(
          "budget_limit_micros", "budget_limit_micros cannot be negative");
    }
    if (resetPeriodSeconds < 0) {
      throw RequestRejectedException.invalidRequest(
          "reset_period_seconds", "reset_period_seconds cannot be negative");
    }
    // Bounded here, at input, so that no renewal, period reset or stored millisecond can overflow
    // later (each of them once answered 500 on every request of such a key).
    if (resetPeriodSeconds > Budget.MAX_RESET_PERIOD_SECONDS) {
      throw RequestRejectedException.invalidRequest(
          "reset_period_seconds",
          "reset_period_seconds must be at most "
              + Budget.MAX_RESET_PERIOD_SECONDS
              + " (100 years); 0 means the budget never resets");
    }
    if (expiresAt != null && !AppKey.isSettableExpiry(expiresAt)) {
      throw RequestRejectedException.invalidRequest(
          "expires_at",
          "expires_at must be from "
              + AppKey.EARLIEST_EXPIRY
              + " to "
              + AppKey.LATEST_EXPIRY
              + "; leave it out for a key that never expires");
    }
  }
}
