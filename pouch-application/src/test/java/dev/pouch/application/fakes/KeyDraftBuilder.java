package dev.pouch.application.fakes;

import dev.pouch.application.port.in.KeyDraft;
import dev.pouch.domain.budget.BudgetTerms;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Key drafts with sensible defaults: the fake provider, no middleware, no budget, no expiry. */
public final class KeyDraftBuilder {
  private String name = "test key";
  private String providerId = FakeUpstream.PROVIDER_ID;
  private Map<String, Object> providerConfig = new LinkedHashMap<>();
  private final List<KeyDraft.MiddlewareDraft> middlewares = new ArrayList<>();
  private List<String> allowedModels = List.of();
  private long budgetLimitMicros;
  private long resetPeriodSeconds;
  private List<BudgetTerms> budgets;
  private String teamId;
  private dev.pouch.domain.key.EndUserPolicy endUser;
  private Instant expiresAt;
  private boolean autoRenew;

  public static KeyDraftBuilder aKey() {
    return new KeyDraftBuilder();
  }

  public KeyDraftBuilder name(String value) {
    this.name = value;
    return this;
  }

  public KeyDraftBuilder provider(String id, Map<String, Object> config) {
    this.providerId = id;
    this.providerConfig = new LinkedHashMap<>(config);
    return this;
  }

  public KeyDraftBuilder providerConfig(String field, Object value) {
    this.providerConfig.put(field, value);
    return this;
  }

  /** Appends a scripted middleware to the chain. */
  public KeyDraftBuilder scripted(String label, ScriptedMiddlewares.Action action) {
    return middleware(ScriptedMiddlewares.ID, Map.of("label", label, "action", action.wireName()));
  }

  /** Appends a scripted middleware that rewrites the model. */
  public KeyDraftBuilder rewritingModelTo(String label, String model) {
    return middleware(
        ScriptedMiddlewares.ID,
        Map.of(
            "label",
            label,
            "action",
            ScriptedMiddlewares.Action.REWRITE_MODEL.wireName(),
            "model",
            model));
  }

  public KeyDraftBuilder middleware(String id, Map<String, Object> config) {
    middlewares.add(new KeyDraft.MiddlewareDraft(id, config));
    return this;
  }

  public KeyDraftBuilder allowedModels(String... models) {
    this.allowedModels = List.of(models);
    return this;
  }

  public KeyDraftBuilder budget(long limitMicros) {
    this.budgetLimitMicros = limitMicros;
    return this;
  }

  public KeyDraftBuilder resetEvery(Duration period) {
    this.resetPeriodSeconds = period.toSeconds();
    return this;
  }

  /** Several budgets (replacing {@link #budget} and {@link #resetEvery}). */
  public KeyDraftBuilder budgets(BudgetTerms... terms) {
    this.budgets = List.of(terms);
    return this;
  }

  public KeyDraftBuilder team(String id) {
    this.teamId = id;
    return this;
  }

  public KeyDraftBuilder expiresAt(Instant value) {
    this.expiresAt = value;
    return this;
  }

  public KeyDraftBuilder endUser(dev.pouch.domain.key.EndUserPolicy policy) {
    this.endUser = policy;
    return this;
  }

  public KeyDraftBuilder autoRenew() {
    this.autoRenew = true;
    return this;
  }

  public KeyDraft build() {
    return new KeyDraft(
        name,
        providerId,
        providerConfig,
        middlewares,
        allowedModels,
        budgets != null
            ? budgets
            : List.of(
                KeyDraft.budgetTerms(
                    budgetLimitMicros,
                    resetPeriodSeconds,
                    "budget_limit_micros",
                    "reset_period_seconds")),
        teamId,
        expiresAt,
        autoRenew,
        endUser);
  }
}
