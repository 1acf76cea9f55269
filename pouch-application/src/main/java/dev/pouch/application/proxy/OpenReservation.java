package dev.pouch.application.proxy;

import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.ProxyEvents;
import dev.pouch.domain.budget.Charge;
import dev.pouch.domain.budget.Ending;
import dev.pouch.domain.budget.Produced;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.ReservationPlan;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.provider.ModelInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A reservation that has been taken and must be settled exactly once, whichever path ends the
 * request (answer, upstream error, cut, client disconnect). The ledger is idempotent too; the flag
 * here only spares it a second write.
 */
final class OpenReservation {
  private static final Logger log = LoggerFactory.getLogger(OpenReservation.class);

  private final BudgetLedger ledger;
  private final Clock clock;
  private final Reservation reservation;
  private final ReservationPlan plan;
  private volatile long promptAtLeast;
  private volatile ModelInfo pricing;
  private volatile String upstream;
  private final String model;
  private final boolean streamed;
  private final Instant receivedAt;
  private final Observers observers;
  private final ProxyEvents events;
  private volatile String providerId; // the serving upstream's, once failover named it
  private final String clientRequestId;
  private final Continuations.Recording recording;
  private final AtomicBoolean settled = new AtomicBoolean();

  OpenReservation(
      BudgetLedger ledger,
      Clock clock,
      Reservation reservation,
      ReservationPlan plan,
      long promptAtLeast,
      ModelInfo pricing,
      String model,
      boolean streamed,
      Instant receivedAt,
      Observers observers,
      ProxyEvents events,
      String providerId,
      String clientRequestId,
      Continuations.Recording recording,
      String upstream) {
    this.ledger = ledger;
    this.upstream = upstream;
    this.recording = recording;
    this.clock = clock;
    this.reservation = reservation;
    this.plan = plan;
    this.promptAtLeast = promptAtLeast;
    this.pricing = pricing;
    this.model = model;
    this.streamed = streamed;
    this.receivedAt = receivedAt;
    this.observers = observers;
    this.events = events;
    this.providerId = providerId;
    this.clientRequestId = clientRequestId;
  }

  /**
   * The provider id of the upstream that served: the key's provider until failover names another
   * (metrics and traces are labelled with it).
   */
  String providerId() {
    return providerId;
  }

  long outputCap() {
    return plan.outputCap();
  }

  /**
   * The upstream that served the request, when it may be another than the one quoted (failover):
   * the settlement prices its usage at that upstream's price and checks it against that upstream's
   * prompt floor. The reservation, quoted at the dearest candidate, covers it.
   */
  void servedBy(String upstream, ModelInfo pricing, long promptAtLeast) {
    this.upstream = upstream;
    this.providerId = Upstream.providerIdOf(upstream);
    this.pricing = pricing;
    this.promptAtLeast = promptAtLeast;
  }

  /** The id the upstream gave the answer, if its API names answers (null: none). */
  void answered(String answerId) {
    recording.answered(answerId);
  }

  /**
   * Settles once, whatever ended the request; later calls do nothing. The charge follows {@link
   * Charge#decide}; this never throws, and the settlement always writes its request-log row unless
   * the store itself fails (then the reservation stays counted until recovery).
   *
   * @param ending how the exchange ended
   * @param usage what is known of the usage
   * @param produced Pouch's own bounds of the output tokens produced
   * @param status the HTTP status the client got
   * @param errorCode the error code recorded, or {@code null} on success
   */
  void settle(Ending ending, Usage usage, Produced produced, int status, String errorCode) {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    long started = System.nanoTime();
    long reserved = reservation.amountMicros();
    usage = withContinuedContext(usage);
    ModelInfo price = pricing;
    Charge charge;
    try {
      charge = Charge.decide(ending, usage, produced, promptAtLeast, plan, reserved, price);
    } catch (RuntimeException bug) {
      // Charge.decide is total; should it ever fail, the reservation is the bound to charge.
      log.atError()
          .setCause(bug)
          .addKeyValue("request_id", reservation.id())
          .log("could not decide a charge; charging the full reservation");
      charge = new Charge(reserved, SettlementBasis.FULL_RESERVATION, plan.promptTokens(), 0, 0);
    }
    if (charge.basis() == SettlementBasis.IMPLAUSIBLE_USAGE) {
      log.atWarn()
          .addKeyValue("request_id", reservation.id())
          .addKeyValue("key_id", reservation.keyId())
          .addKeyValue("reported_prompt_tokens", usage.promptTokens())
          .addKeyValue("reported_cached_tokens", usage.cachedPromptTokens())
          .addKeyValue("reported_completion_tokens", usage.completionTokens())
          .addKeyValue("prompt_bound", plan.promptTokens())
          .addKeyValue("billable_output_tokens", plan.billableOutputTokens())
          .log("the upstream reported usage that cannot be true; charged the full reservation");
    }
    long actual = charge.actualMicros();
    long overrun = Math.max(0, actual - reserved);
    Instant now = clock.instant();
    SettlementBasis basis = charge.basis();
    RequestRecord record =
        new RequestRecord(
            reservation.id(),
            reservation.keyId(),
            model,
            receivedAt,
            status,
            streamed,
            charge.promptTokens(),
            charge.cachedPromptTokens(),
            charge.completionTokens(),
            reserved,
            actual,
            basis,
            overrun,
            Duration.between(receivedAt, now).toMillis(),
            errorCode,
            price == null ? null : price.pricedAs(),
            clientRequestId,
            reservation.endUserId(),
            upstream);
    if (overrun > 0) {
      log.atWarn()
          .addKeyValue("request_id", reservation.id())
          .addKeyValue("key_id", reservation.keyId())
          .addKeyValue("reserved_micros", reserved)
          .addKeyValue("actual_micros", actual)
          .log("charge exceeded its reservation; charged in full");
    }
    try {
      ledger.settle(new Settlement(reservation.id(), actual, basis, now, record));
    } catch (RuntimeException storeFailure) {
      // The reservation stays open and counted; recovery at the next start charges it in full.
      log.atError()
          .setCause(storeFailure)
          .addKeyValue("request_id", reservation.id())
          .log("settlement failed; reservation stays counted until recovery");
      return;
    }
    recording.settled(ending, status, charge, plan, now);
    observers.settled(record);
    events.reservationSettled(providerId, record);
    events.settleTook(providerId, record, System.nanoTime() - started);
  }

  /**
   * A provider's own count of the prompt sees only the request's body, not the stored context it
   * continues, which the upstream bills too: that context's recorded bound is added to it.
   */
  private Usage withContinuedContext(Usage usage) {
    long context = recording.continuedContext();
    if (context == 0 || usage.source() != UsageSource.COUNTED) {
      return usage;
    }
    return new Usage(
        usage.promptTokens() + context,
        usage.cachedPromptTokens(),
        usage.completionTokens(),
        usage.source());
  }
}
