package dev.pouch.application.proxy;

import dev.pouch.application.PouchSettings;
import dev.pouch.domain.budget.Affordability;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.ReservationPlan;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.UnpricedField;
import java.util.Optional;

/**
 * Stage 1, quote: what a request may cost at worst, against its key's budget. First the checks that
 * need no price (the model allowed, priced, every field priceable), then the plan: from the
 * provider's cheap prompt bound (bytes, not tokens) when the budget has room to spare, from an
 * exact count near the limit. One per request: a lost reservation plans again here.
 */
final class Quoting {
  /** Limits for a model the provider does not know, on a key without budget. */
  private static final long UNKNOWN_MODEL_MAX_OUTPUT = 1_000_000;

  private final Operation request;
  private final Provider provider;
  private final ModelInfo model;
  private final PouchSettings settings;
  private final long maxOutput;
  private final long uncapped;
  private final boolean producesOutput;
  private final long continuedContext;
  private long promptTokens;
  private boolean exact;

  private Quoting(
      Operation request,
      Provider provider,
      ModelInfo model,
      PouchSettings settings,
      long continuedContext) {
    this.request = request;
    this.continuedContext = continuedContext;
    this.provider = provider;
    this.model = model;
    this.settings = settings;
    this.maxOutput = model == null ? UNKNOWN_MODEL_MAX_OUTPUT : model.maxOutputTokens();
    this.uncapped = provider.boundUncappedOutputTokens(request);
    // An API without output (embeddings) has no cap to overrun, so no margin to reserve.
    this.producesOutput = !Long.valueOf(0).equals(request.maxOutputTokens());
  }

  /** The quote of a request, or the refusal of one that cannot be metered on this key. */
  sealed interface Start {
    record Quotable(Quoting quoting) implements Start {}

    record Refused(Refusal refusal) implements Start {}
  }

  /** {@link #start(Operation, AppKey, Provider, Budget, PouchSettings, Continuations)} unstored. */
  static Start start(
      Operation request, AppKey key, Provider provider, Budget budget, PouchSettings settings) {
    return start(request, key, provider, budget, settings, Continuations.NONE);
  }

  /**
   * The quote of a request: refused, or quotable with the context it continues (a stored answer's
   * recorded context, see {@link Continuations}) added to every prompt bound.
   */
  static Start start(
      Operation request,
      AppKey key,
      Provider provider,
      Budget budget,
      PouchSettings settings,
      Continuations continuations) {
    if (!provider.serves(request.api())) {
      return new Start.Refused(
          Refusal.of(
              ErrorCode.UNSUPPORTED_OPERATION,
              "This key's provider does not serve " + request.api() + "."));
    }
    if (!key.policy().allowsModel(request.model())) {
      return new Start.Refused(modelNotAllowed(request.model()));
    }
    ModelInfo model = provider.model(request.model()).orElse(null);
    if ((model == null || model.price() == null) && !budget.isUnlimited()) {
      return new Start.Refused(
          Refusal.of(
              ErrorCode.MODEL_PRICE_UNKNOWN,
              "The model '"
                  + request.model()
                  + "' has no known price, and this key has a budget: it cannot be metered.",
              "model"));
    }
    if (!budget.isUnlimited()) {
      Optional<UnpricedField> unpriced = provider.unpricedField(request);
      if (unpriced.isPresent()) {
        return new Start.Refused(
            Refusal.of(
                ErrorCode.UNSUPPORTED_PARAMETER,
                unpriced.get().reason() + " This key has a budget, so the request is refused.",
                unpriced.get().field()));
      }
    }
    Continuations.Lookup continued = continuations.lookup(request, key, budget);
    if (continued instanceof Continuations.Lookup.Refused refused) {
      return new Start.Refused(refused.refusal());
    }
    long context = ((Continuations.Lookup.Context) continued).tokens();
    return new Start.Quotable(new Quoting(request, provider, model, settings, context));
  }

  static Refusal modelNotAllowed(String model) {
    return Refusal.of(
        ErrorCode.MODEL_NOT_ALLOWED, "This key may not use the model '" + model + "'.", "model");
  }

  /**
   * The first plan: from the cheap prompt bound, unless that is not good enough on a limited budget
   * (it would be refused, or would shorten the answer below what an exact count might allow).
   */
  Affordability first(Budget budget) {
    promptTokens = provider.boundPromptTokens(request) + continuedContext;
    Affordability rough = plan(budget);
    if (budget.isUnlimited()
        || (rough instanceof Affordability.Affordable affordable
            && !(affordable.plan().clamped() && affordable.plan().maxOutputTokens() < maxOutput))) {
      return rough;
    }
    return exactly(budget);
  }

  /**
   * A plan on fresh numbers after a concurrent request took the headroom, or empty when planning
   * again cannot help (an exact plan that was not clamped needs what it needed).
   */
  Optional<Affordability> again(Budget fresh, ReservationPlan lost) {
    if (!exact) {
      return Optional.of(exactly(fresh));
    }
    return lost.clamped() ? Optional.of(plan(fresh)) : Optional.empty();
  }

  /** The prompt bound of the latest plan. */
  long promptTokens() {
    return promptTokens;
  }

  /** The recorded context of the stored answer this request continues, 0 when none. */
  long continuedContext() {
    return continuedContext;
  }

  /** Whether the latest plan came from an exact count (then a lost plan is not retried as such). */
  boolean exact() {
    return exact;
  }

  /** The model's prices and limits, or {@code null} when the provider does not price it. */
  ModelInfo pricedModel() {
    return model == null || model.price() == null ? null : model;
  }

  private Affordability exactly(Budget budget) {
    promptTokens = provider.estimatePromptTokens(request) + continuedContext;
    exact = true;
    return plan(budget);
  }

  /** Prices at the tier of the prompt's upper bound: tiers only rise, so never under-priced. */
  private Affordability plan(Budget budget) {
    ModelPrice pricing =
        model == null || model.price() == null ? ModelPrice.FREE : model.priceFor(promptTokens);
    if (request.mayWritePromptCache()) {
      pricing = pricing.withDearestInput(); // a cache write costs up to 2 × input (Anthropic)
    }
    return ReservationPlan.quote(
        pricing,
        promptTokens,
        request.maxOutputTokens(),
        request.choices(),
        maxOutput,
        budget,
        settings.minUsefulOutputTokens(),
        producesOutput ? settings.overrunMarginTokens() : 0,
        uncapped);
  }
}
