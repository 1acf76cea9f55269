package dev.pouch.application.proxy;

import dev.pouch.application.PouchSettings;
import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.ProxyEvents;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Ending;
import dev.pouch.domain.budget.Produced;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.ReservationPlan;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.RequestContext;
import dev.pouch.domain.chain.ReservationQuote;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.InternalException;
import dev.pouch.domain.error.PouchException;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.error.UpstreamException;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UnpricedField;
import dev.pouch.domain.provider.UpstreamCall;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;

/**
 * The last link of every chain (DESIGN §3 steps 4–6): prices the final request, reserves its worst
 * case atomically, calls the provider, and settles exactly once. One instance per request.
 */
final class ReservingTerminal implements RealChain.Terminal {
  /** Limits for a model the provider does not know, on a key without budget. */
  private static final long UNKNOWN_MODEL_MAX_OUTPUT = 1_000_000;

  private final BudgetLedger ledger;
  private final Clock clock;
  private final PouchSettings settings;
  private final Function<AppKey, KeyRuntime> runtimes;
  private final ProxyEvents events;
  private final String clientRequestId;
  private volatile ProxyResponse.Streaming produced;
  private volatile boolean reserved;

  ReservingTerminal(
      BudgetLedger ledger,
      Clock clock,
      PouchSettings settings,
      Function<AppKey, KeyRuntime> runtimes,
      ProxyEvents events,
      String clientRequestId) {
    this.ledger = ledger;
    this.clock = clock;
    this.settings = settings;
    this.runtimes = runtimes;
    this.events = events;
    this.clientRequestId = clientRequestId;
  }

  @Override
  public ProxyResponse execute(ChatRequest request, RequestContext context) {
    String keyId = context.key().id();
    Provider provider = runtimes.apply(context.key()).providerFor(context);
    if (!context.key().policy().allowsModel(request.model())) {
      throw modelNotAllowed(request.model());
    }
    ModelInfo model = provider.model(request.model()).orElse(null);
    Budget budget = ledger.require(keyId);
    if ((model == null || model.price() == null) && !budget.isUnlimited()) {
      throw new RequestRejectedException(
          ErrorCode.MODEL_PRICE_UNKNOWN,
          "The model '"
              + request.model()
              + "' has no known price, and this key has a budget: it cannot be metered.",
          "model");
    }
    if (!budget.isUnlimited()) {
      Optional<UnpricedField> unpriced = provider.unpricedField(request);
      if (unpriced.isPresent()) {
        throw new RequestRejectedException(
            ErrorCode.UNSUPPORTED_PARAMETER,
            unpriced.get().reason() + " This key has a budget, so the request is refused.",
            unpriced.get().field());
      }
    }
    long maxOutput = model == null ? UNKNOWN_MODEL_MAX_OUTPUT : model.maxOutputTokens();
    long uncapped = provider.boundUncappedOutputTokens(request);
    // First the provider's cheap bound (bytes, not tokens); an exact count only when the cheap
    // bound makes a difference: it would be refused, or shorten the answer, on a limited budget.
    long promptTokens = provider.boundPromptTokens(request);
    ReservationPlan candidate =
        roughPlan(request, model, maxOutput, uncapped, promptTokens, budget);
    boolean exact = candidate == null;
    if (exact) {
      promptTokens = provider.estimatePromptTokens(request);
      candidate = plan(request, model, maxOutput, uncapped, promptTokens, budget);
    }
    Observers observers = new Observers(context.observers());
    // Announced once, at the first plan: a re-plan (exact count, less headroom) only lowers it.
    Optional<Refusal> refused =
        observers.reserving(
            new ReservationQuote(
                promptTokens, candidate.outputCap(), candidate.amountMicros(), budget));
    if (refused.isPresent()) {
      return ProxyResponse.refused(refused.get());
    }
    ReservationPlan plan = null;
    Reservation taken = null;
    try {
      for (int attempt = 1; plan == null; attempt++) {
        if (candidate == null) {
          candidate = plan(request, model, maxOutput, uncapped, promptTokens, budget);
        }
        Reservation reservation =
            new Reservation(context.requestId(), keyId, candidate.amountMicros(), clock.instant());
        if (ledger.reserve(reservation)) {
          plan = candidate;
          taken = reservation;
          reserved = true;
        } else if (!exact) {
          // the headroom shrank meanwhile: plan again on fresh numbers, from an exact count
          budget = ledger.require(keyId);
          promptTokens = provider.estimatePromptTokens(request);
          exact = true;
          attempt = 0;
        } else if (!candidate.clamped() || attempt >= settings.reserveAttempts()) {
          throw new RequestRejectedException(
              ErrorCode.BUDGET_EXCEEDED,
              "This key's budget cannot cover the request in this period.");
        } else {
          // Another request took the headroom: plan again on fresh numbers.
          budget = ledger.require(keyId);
        }
        candidate = null;
      }
    } catch (RuntimeException notTaken) {
      observers.notReserved();
      throw notTaken;
    }
    String providerId = context.key().policy().provider().id();
    events.reservationOpened(providerId, taken.amountMicros());
    ChatRequest upstreamRequest = limitedToPlan(request, plan, budget);
    OpenReservation open =
        new OpenReservation(
            ledger,
            clock,
            taken,
            plan,
            provider.promptTokensAtLeast(request),
            model == null || model.price() == null ? null : model,
            request.model(),
            request.stream(),
            context.receivedAt(),
            observers,
            events,
            providerId,
            clientRequestId);
    return withBudgetHeaders(call(provider, upstreamRequest, context, open), keyId, taken);
  }

  /**
   * The request as it goes upstream: every output limit field it carries says exactly what was
   * priced (a body with {@code max_tokens: 1} and {@code max_completion_tokens: 2000} is priced at
   * 1, so both say 1; a limit above the model's is lowered to it), and a limit Pouch chose for a
   * budget is written in. An upstream that honours either field then cannot produce more than the
   * reservation pays for.
   */
  private static ChatRequest limitedToPlan(
      ChatRequest request, ReservationPlan plan, Budget budget) {
    if (request.hasOutputLimit() || (plan.clamped() && !budget.isUnlimited())) {
      return request.withMaxOutputTokens(plan.maxOutputTokens());
    }
    return request;
  }

  /**
   * The plan from the cheap prompt bound, or null when it is not good enough: on a limited budget,
   * when it would be refused or would shorten the answer below what an exact count might allow.
   */
  private ReservationPlan roughPlan(
      ChatRequest request,
      ModelInfo model,
      long maxOutput,
      long uncapped,
      long bound,
      Budget budget) {
    if (budget.isUnlimited()) {
      return plan(request, model, maxOutput, uncapped, bound, budget);
    }
    ReservationPlan candidate;
    try {
      candidate = plan(request, model, maxOutput, uncapped, bound, budget);
    } catch (RequestRejectedException refused) {
      return null;
    }
    if (candidate.clamped() && candidate.maxOutputTokens() < maxOutput) {
      return null; // the budget shortened the answer: an exact count may allow a longer one
    }
    return candidate;
  }

  /** Prices at the tier of the prompt's upper bound: tiers only rise, so never under-priced. */
  private ReservationPlan plan(
      ChatRequest request,
      ModelInfo model,
      long maxOutput,
      long uncapped,
      long promptTokens,
      Budget budget) {
    ModelPrice pricing =
        model == null || model.price() == null ? ModelPrice.FREE : model.priceFor(promptTokens);
    return ReservationPlan.plan(
        pricing,
        promptTokens,
        request.maxOutputTokens(),
        request.choices(),
        maxOutput,
        budget,
        settings.minUsefulOutputTokens(),
        settings.overrunMarginTokens(),
        uncapped);
  }

  /**
   * Tells the client its headroom in the response head (streams too), as it stood right after the
   * reservation: the worst case of this request is already taken out.
   */
  private ProxyResponse withBudgetHeaders(
      ProxyResponse response, String keyId, Reservation reservation) {
    ProxyResponse result =
        response.withHeader(ProxyChat.RESERVED_HEADER, Long.toString(reservation.amountMicros()));
    Budget after = ledger.require(keyId);
    if (!after.isUnlimited()) {
      result = result.withHeader(ProxyChat.REMAINING_HEADER, Long.toString(after.headroomMicros()));
    }
    if (result instanceof ProxyResponse.Streaming streaming) {
      produced = streaming;
    }
    return result;
  }

  private ProxyResponse call(
      Provider provider, ChatRequest request, RequestContext context, OpenReservation open) {
    ProviderResponse response;
    long started = System.nanoTime();
    try {
      response = provider.execute(request, new UpstreamCall(context.requestId(), open.outputCap()));
    } catch (UpstreamException failure) {
      // A request that may have reached the upstream may be billed: charged, never refunded (G11).
      open.settle(
          failure.requestSent() ? Ending.INTERRUPTED : Ending.NOT_PROCESSED,
          Usage.UNKNOWN,
          Produced.UNKNOWN,
          ErrorResponses.status(failure.code()),
          failure.code().wireCode());
      throw failure;
    } catch (PouchException refused) {
      // The provider refused the request itself, before sending it (a field it will not pass on).
      open.settle(
          Ending.NOT_PROCESSED,
          Usage.UNKNOWN,
          Produced.UNKNOWN,
          ErrorResponses.status(refused.code()),
          refused.code().wireCode());
      throw refused;
    } catch (RuntimeException bug) {
      // Nothing proves the request was not sent: charged, erring high.
      open.settle(
          Ending.INTERRUPTED, Usage.UNKNOWN, Produced.UNKNOWN, 500, ErrorCode.INTERNAL.wireCode());
      throw new InternalException("the provider failed: " + bug.getMessage(), bug);
    }
    long responseNanos = System.nanoTime() - started;
    events.upstreamResponded(
        open.providerId(), !(response instanceof ProviderResponse.Complete), responseNanos);
    if (response instanceof ProviderResponse.Complete complete) {
      open.settle(
          ending(complete, open.outputCap()),
          complete.usage(),
          Produced.atLeast(complete.producedAtLeast()),
          complete.status(),
          complete.status() >= 400 ? "upstream_" + complete.status() : null);
      return new ProxyResponse.Complete(complete.status(), complete.headers(), complete.body());
    }
    OutputPace pace = new OutputPace(responseNanos, settings.overrunMarginTokens());
    if (response instanceof ProviderResponse.Assembling plain) {
      MeteredStream metered =
          new MeteredStream(plain.stream(), open, plain.status(), PlainAnswer.BROKE_OFF, pace);
      return PlainAnswer.collect(metered, plain.assembler(), plain.status(), plain.headers());
    }
    ProviderResponse.Streaming streaming = (ProviderResponse.Streaming) response;
    MeteredStream metered =
        new MeteredStream(streaming.stream(), open, streaming.status(), streaming.status(), pace);
    ProxyResponse.Streaming result =
        new ProxyResponse.Streaming(streaming.status(), streaming.headers(), metered);
    produced = result;
    return result;
  }

  /**
   * How a complete answer ended: a 4xx without tokens is the upstream's refusal (not processed);
   * any other status of 300 or above may have been processed (a 5xx, a redirect that Pouch does not
   * follow, an answer that broke off after its head); an answer with more output than the cap was
   * cut there (the provider stopped an upstream that ignores {@code max_tokens}).
   */
  private static Ending ending(ProviderResponse.Complete complete, long outputCap) {
    int status = complete.status();
    if (status >= 400 && status < 500 && producedNothing(complete.usage())) {
      return Ending.NOT_PROCESSED;
    }
    if (status >= 300) {
      return Ending.INTERRUPTED;
    }
    return complete.producedAtLeast() > outputCap ? Ending.CAPPED : Ending.COMPLETED;
  }

  /** An upstream refusal: no tokens billed (no usage, or usage of zero tokens). */
  private static boolean producedNothing(Usage usage) {
    return usage.promptTokens() == 0 && usage.completionTokens() == 0;
  }

  /** Whether this request took a reservation (then its settlement writes its request-log row). */
  boolean reserved() {
    return reserved;
  }

  /**
   * Closes a stream this terminal produced if the chain did not pass it on (a middleware failed or
   * replaced it after {@code proceed}), so its reservation settles.
   */
  void abandonUnless(ProxyResponse returned) {
    ProxyResponse.Streaming stream = produced;
    if (stream != null && !(returned instanceof ProxyResponse.Streaming)) {
      stream.stream().close();
    }
  }

  static RequestRejectedException modelNotAllowed(String model) {
    return new RequestRejectedException(
        ErrorCode.MODEL_NOT_ALLOWED, "This key may not use the model '" + model + "'.", "model");
  }
}
