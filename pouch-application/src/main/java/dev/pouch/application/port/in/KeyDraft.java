package dev.pouch.application.port.in;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.EndUserPolicy;
import dev.pouch.domain.key.KeyName;
import dev.pouch.domain.key.KeyPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What an admin asks for when creating or editing a key, before plugin configs are validated.
 *
 * @param name display name
 * @param providerId provider plugin id
 * @param providerConfig raw provider config (JSON values)
 * @param fallbacks further upstreams, in order, that a request moves to only when the one before
 *     provably did not bill it; at most {@link KeyPolicy#MAX_FALLBACKS}
 * @param middlewares middleware ids with raw configs, in chain order
 * @param allowedModels models the key may use; empty = any
 * @param budgets the key's budgets in order, 1 to {@link BudgetTerms#MAX_PER_OWNER}: a request must
 *     fit every one (and its team's); the first is "the key's budget"
 * @param teamId the team the key belongs to, or {@code null}
 * @param expiresAt expiry or {@code null}; from {@link AppKey#EARLIEST_EXPIRY} to {@link
 *     AppKey#LATEST_EXPIRY}
 * @param autoRenew whether expiry renews itself
 * @param endUser how the key reads, requires and budgets its end users, or {@code null}
 */
public record KeyDraft(
    String name,
    String providerId,
    Map<String, Object> providerConfig,
    List<FallbackDraft> fallbacks,
    List<MiddlewareDraft> middlewares,
    List<String> allowedModels,
    List<BudgetTerms> budgets,
    String teamId,
    Instant expiresAt,
    boolean autoRenew,
    EndUserPolicy endUser) {

  /** A draft without fallbacks whose key does not tell its end users apart. */
  public KeyDraft(
      String name,
      String providerId,
      Map<String, Object> providerConfig,
      List<MiddlewareDraft> middlewares,
      List<String> allowedModels,
      List<BudgetTerms> budgets,
      String teamId,
      Instant expiresAt,
      boolean autoRenew) {
    this(
        name,
        providerId,
        providerConfig,
        middlewares,
        allowedModels,
        budgets,
        teamId,
        expiresAt,
        autoRenew,
        null);
  }

  /** A draft without fallbacks. */
  public KeyDraft(
      String name,
      String providerId,
      Map<String, Object> providerConfig,
      List<MiddlewareDraft> middlewares,
      List<String> allowedModels,
      List<BudgetTerms> budgets,
      String teamId,
      Instant expiresAt,
      boolean autoRenew,
      EndUserPolicy endUser) {
    this(
        name,
        providerId,
        providerConfig,
        List.of(),
        middlewares,
        allowedModels,
        budgets,
        teamId,
        expiresAt,
        autoRenew,
        endUser);
  }

  /** A draft with one budget (the shorthand of every client before budgets in layers), no team. */
  public KeyDraft(
      String name,
      String providerId,
      Map<String, Object> providerConfig,
      List<MiddlewareDraft> middlewares,
      List<String> allowedModels,
      long budgetLimitMicros,
      long resetPeriodSeconds,
      Instant expiresAt,
      boolean autoRenew) {
    this(
        name,
        providerId,
        providerConfig,
        middlewares,
        allowedModels,
        List.of(
            budgetTerms(
                budgetLimitMicros,
                resetPeriodSeconds,
                "budget_limit_micros",
                "reset_period_seconds")),
        null,
        expiresAt,
        autoRenew);
  }

  /** The first budget's limit. */
  public long budgetLimitMicros() {
    return budgets.get(0).limitMicros();
  }

  /** The first budget's period. */
  public long resetPeriodSeconds() {
    return budgets.get(0).resetPeriodSeconds();
  }

  /**
   * Checks one budget's terms, naming the fields at fault: a limit is not negative, a period from 0
   * (never resets) to {@link Budget#MAX_RESET_PERIOD_SECONDS}.
   */
  public static BudgetTerms budgetTerms(
      long limitMicros, long resetPeriodSeconds, String limitField, String periodField) {
    if (limitMicros < 0) {
      throw RequestRejectedException.invalidRequest(limitField, limitField + " cannot be negative");
    }
    if (resetPeriodSeconds < 0) {
      throw RequestRejectedException.invalidRequest(
          periodField, periodField + " cannot be negative");
    }
    // Bounded here, at input, so that no renewal, period reset or stored millisecond can overflow
    // later (each of them once answered 500 on every request of such a key).
    if (resetPeriodSeconds > Budget.MAX_RESET_PERIOD_SECONDS) {
      throw RequestRejectedException.invalidRequest(
          periodField,
          periodField
              + " must be at most "
              + Budget.MAX_RESET_PERIOD_SECONDS
              + " (100 years); 0 means the budget never resets");
    }
    return new BudgetTerms(limitMicros, resetPeriodSeconds);
  }

  /** One middleware of a draft. */
  public record MiddlewareDraft(String id, Map<String, Object> config) {}

  /**
   * One fallback of a draft: a provider with its raw config, and the model to ask of it ({@code
   * null}: the request's).
   */
  public record FallbackDraft(String providerId, Map<String, Object> config, String model) {
    public FallbackDraft {
      config = config == null ? Map.of() : config;
    }
  }

  /** Checks everything that needs no plugin knowledge; returns the draft with the name trimmed. */
  public KeyDraft {
    name = KeyName.validate(name);
    if (providerId == null || providerId.isBlank()) {
      throw RequestRejectedException.invalidRequest("provider.id", "provider.id is required");
    }
    providerConfig = providerConfig == null ? Map.of() : providerConfig;
    fallbacks = List.copyOf(fallbacks == null ? List.of() : fallbacks);
    if (fallbacks.size() > KeyPolicy.MAX_FALLBACKS) {
      throw RequestRejectedException.invalidRequest(
          "fallbacks", "fallbacks may list at most " + KeyPolicy.MAX_FALLBACKS + " providers");
    }
    for (int i = 0; i < fallbacks.size(); i++) {
      FallbackDraft fallback = fallbacks.get(i);
      String field = "fallbacks[" + i + "]";
      if (fallback.providerId() == null || fallback.providerId().isBlank()) {
        throw RequestRejectedException.invalidRequest(field + ".id", field + ".id is required");
      }
      if (fallback.model() != null
          && (fallback.model().isBlank() || fallback.model().length() > 200)) {
        throw RequestRejectedException.invalidRequest(
            field + ".model",
            field + ".model must be a model name; leave it out for the request's");
      }
    }
    middlewares = List.copyOf(middlewares == null ? List.of() : middlewares);
    allowedModels = List.copyOf(allowedModels == null ? List.of() : allowedModels);
    for (String model : allowedModels) {
      if (model == null || model.isBlank() || model.length() > 200) {
        throw RequestRejectedException.invalidRequest(
            "allowed_models", "allowed_models must hold non-empty model names");
      }
    }
    if (budgets == null || budgets.isEmpty() || budgets.size() > BudgetTerms.MAX_PER_OWNER) {
      throw RequestRejectedException.invalidRequest(
          "budgets", "budgets must hold 1 to " + BudgetTerms.MAX_PER_OWNER + " budgets");
    }
    budgets = List.copyOf(budgets);
    if (teamId != null && teamId.isBlank()) {
      throw RequestRejectedException.invalidRequest(
          "team_id", "team_id must name a team; leave it out for a key without team");
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
