package dev.pouch.application.proxy;

import dev.pouch.application.PouchSettings;
import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.ProxyEvents;
import dev.pouch.domain.budget.Affordability;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.ReservationPlan;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.RequestContext;
import dev.pouch.domain.chain.ReservationQuote;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.provider.Operation;
import java.time.Clock;
import java.util.Optional;

/**
 * The last link of every chain (DESIGN §3 steps 4–6), one stage per class, top-down: {@link Quoting
 * quote} the worst case against the budget, let the request's observers refuse it, {@link Reserving
 * reserve} it, {@link UpstreamExchange execute} the call and meter its answer, and {@link
 * OpenReservation settle} exactly once. A refusal at any stage before the reservation is a value
 * returned to the chain. One instance per request.
 */
final class ReservingTerminal implements RealChain.Terminal {
  private final BudgetLedger ledger;
  private final Clock clock;
  private final KeyRuntime runtime;
  private final ProxyEvents events;
  private final String clientRequestId;
  private final BudgetSnapshot budget;
  private final PouchSettings settings;
  private final Reserving reserving;
  private final UpstreamExchange upstream;
  private final Continuations continuations;
  private volatile ProxyResponse.Streaming produced;
  private volatile boolean reserved;

  ReservingTerminal(
      BudgetLedger ledger,
      Clock clock,
      PouchSettings settings,
      KeyRuntime runtime,
      ProxyEvents events,
      String clientRequestId,
      BudgetSnapshot budget,
      Continuations continuations) {
    this.ledger = ledger;
    this.continuations = continuations;
    this.clock = clock;
    this.settings = settings;
    this.runtime = runtime;
    this.events = events;
    this.clientRequestId = clientRequestId;
    this.budget = budget;
    this.reserving = new Reserving(ledger, clock, settings);
    this.upstream = new UpstreamExchange(settings, events);
  }

  @Override
  public ProxyResponse execute(Operation request, RequestContext context) {
    UpstreamCandidates upstreams =
        runtime.candidatesFor(context, request, !budget.get().isUnlimited());
    Quoting.Start start =
        Quoting.start(request, context.key(), upstreams, budget.get(), settings, continuations);
    if (start instanceof Quoting.Start.Refused refused) {
      return ProxyResponse.refused(refused.refusal());
    }
    Quoting quoting = ((Quoting.Start.Quotable) start).quoting();
    Affordability quote = quoting.first(budget.get());
    if (quote instanceof Affordability.Unaffordable unaffordable) {
      return ProxyResponse.refused(budget.named(unaffordable.refusal()));
    }
    ReservationPlan plan = ((Affordability.Affordable) quote).plan();
    Observers observers = new Observers(context.observers());
    // Announced once, at the first plan: a re-plan (exact count, less headroom) only lowers it.
    Optional<Refusal> refusedByObserver =
        observers.reserving(
            new ReservationQuote(
                quoting.promptTokens(), plan.outputCap(), plan.amountMicros(), budget.keyBudget()));
    if (refusedByObserver.isPresent()) {
      return ProxyResponse.refused(refusedByObserver.get());
    }
    Reserving.Outcome outcome;
    long reserveStarted = System.nanoTime();
    try {
      outcome = reserving.reserve(context.requestId(), context.key().id(), plan, quoting, budget);
    } catch (RuntimeException storeFailure) {
      observers.notReserved();
      throw storeFailure;
    }
    if (outcome instanceof Reserving.Outcome.Refused refused) {
      observers.notReserved();
      return ProxyResponse.refused(refused.refusal());
    }
    Reserving.Outcome.Reserved taken = (Reserving.Outcome.Reserved) outcome;
    reserved = true;
    String providerId = context.key().policy().provider().id();
    events.reserveTook(providerId, System.nanoTime() - reserveStarted);
    events.reservationOpened(providerId, taken.reservation().amountMicros());
    OpenReservation open =
        new OpenReservation(
            ledger,
            clock,
            taken.reservation(),
            taken.plan(),
            upstreams.promptTokensAtLeast(request),
            quoting.pricedModel(),
            request.model(),
            request.stream(),
            context.receivedAt(),
            observers,
            events,
            providerId,
            clientRequestId,
            continuations.recordingFor(request, context.key().id(), quoting.continuedContext()),
            upstreams.called().label());
    Operation upstreamRequest = limitedToPlan(request, taken.plan(), budget.get());
    ProxyResponse response =
        upstream.exchange(upstreams, upstreamRequest, context.requestId(), open);
    return withBudgetHeaders(response, taken.reservation());
  }

  /**
   * The request as it goes upstream: every output limit field it carries says exactly what was
   * priced (a body with {@code max_tokens: 1} and {@code max_completion_tokens: 2000} is priced at
   * 1, so both say 1; a limit above the model's is lowered to it), and a limit Pouch chose for a
   * budget is written in. An upstream that honours either field then cannot produce more than the
   * reservation pays for.
   */
  private static Operation limitedToPlan(Operation request, ReservationPlan plan, Budget budget) {
    if (request.hasOutputLimit() || (plan.clamped() && !budget.isUnlimited())) {
      return request.withMaxOutputTokens(plan.maxOutputTokens());
    }
    return request;
  }

  /**
   * Tells the client its headroom in the response head (streams too): the budget as this request
   * last read it, less this request's worst case. Requests of the same key reserving at the same
   * moment are not taken out; the ledger's guarded reserve, not this header, keeps the limit.
   */
  private ProxyResponse withBudgetHeaders(ProxyResponse response, Reservation reservation) {
    ProxyResponse result =
        response.withHeader(ProxyChat.RESERVED_HEADER, Long.toString(reservation.amountMicros()));
    Budget read = budget.get();
    if (!read.isUnlimited()) {
      long remaining = Math.max(0, read.headroomMicros() - reservation.amountMicros());
      result = result.withHeader(ProxyChat.REMAINING_HEADER, Long.toString(remaining));
    }
    if (result instanceof ProxyResponse.Streaming streaming) {
      produced = streaming;
    }
    return result;
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
}
