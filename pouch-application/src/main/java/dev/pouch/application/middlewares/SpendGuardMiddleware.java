package dev.pouch.application.middlewares;

import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.chain.KeyControl;
import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.RequestContext;
import dev.pouch.domain.chain.RequestObserver;
import dev.pouch.domain.chain.ReservationQuote;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code spend_guard}: the brake for runaway agent loops. It trips when a request would bring the
 * key's money in flight (open reservations) above {@code max_in_flight_micros}, or when the key's
 * settled spend over the last minute reaches {@code max_spend_per_minute_micros}. Tripping suspends
 * the key (403 {@code key_suspended} until an admin resumes it) and posts a notice to {@code
 * webhook_url}. Unset limits are not checked. An answer cut at its cap, or charged above its
 * reservation (an upstream that ignores {@code max_tokens}, which may have produced more before the
 * cut reached it), is posted to the webhook too, as {@code spend_guard.overrun}, at most once a
 * minute.
 */
final class SpendGuardMiddleware implements Middleware {
  static final String ID = "spend_guard";
  private static final long WINDOW_MILLIS = 60_000;

  private final long maxInFlight;
  private final long maxPerMinute;
  private final String webhookUrl;
  private final Deque<long[]> settledInWindow = new ArrayDeque<>();
  private long windowSpend;
  private long inFlight;
  private final AtomicBoolean tripped = new AtomicBoolean();
  private static final long NEVER = Long.MIN_VALUE;
  private final AtomicLong lastOverrunNotice = new AtomicLong(NEVER);
  private final AtomicLong overrunsSinceNotice = new AtomicLong();

  SpendGuardMiddleware(long maxInFlight, long maxPerMinute, String webhookUrl) {
    this.maxInFlight = maxInFlight;
    this.maxPerMinute = maxPerMinute;
    this.webhookUrl = webhookUrl;
  }

  @Override
  public ProxyResponse intercept(Chain chain) {
    RequestContext context = chain.context();
    context.observe(new Watch(context));
    return chain.proceed(chain.request());
  }

  /** Checks one request at its reservation and counts its charge at settlement. */
  private final class Watch implements RequestObserver {
    private final RequestContext context;

    Watch(RequestContext context) {
      this.context = context;
    }

    private long taken;

    @Override
    public Optional<Refusal> reserving(ReservationQuote quote) {
      long spent = spendInWindow(context.receivedAt().toEpochMilli());
      if (maxPerMinute > 0 && spent >= maxPerMinute) {
        return trip(
            context,
            "spent " + spent + " micros in the last minute, limit " + maxPerMinute,
            quote.amountMicros());
      }
      long wouldBe;
      synchronized (SpendGuardMiddleware.this) {
        // The budget was read before concurrent requests reserved: this guard's own count is
        // exact for them; the stored figure covers requests of older instances (before an edit).
        wouldBe =
            saturatedAdd(Math.max(quote.budget().reservedMicros(), inFlight), quote.amountMicros());
        if (maxInFlight <= 0 || wouldBe <= maxInFlight) {
          inFlight = saturatedAdd(inFlight, quote.amountMicros());
          taken = quote.amountMicros();
        }
      }
      if (maxInFlight > 0 && wouldBe > maxInFlight) {
        return trip(
            context,
            "money in flight would reach " + wouldBe + " micros, above " + maxInFlight,
            quote.amountMicros());
      }
      return Optional.empty();
    }

    @Override
    public void notReserved() {
      release();
    }

    private void release() {
      synchronized (SpendGuardMiddleware.this) {
        inFlight -= taken;
        taken = 0;
      }
    }

    @Override
    public void settled(RequestRecord record) {
      release();
      if (record.overrunMicros() > 0 || record.basis() == SettlementBasis.CAPPED) {
        alertOverrun(context, record);
      }
      if (record.costMicros() <= 0) {
        return;
      }
      long at = record.createdAt().toEpochMilli() + record.latencyMillis();
      long spent;
      synchronized (SpendGuardMiddleware.this) {
        settledInWindow.addLast(new long[] {at, record.costMicros()});
        windowSpend = saturatedAdd(windowSpend, record.costMicros());
        spent = spendInWindow(at);
      }
      if (maxPerMinute > 0 && spent >= maxPerMinute) {
        trip(context, "spent " + spent + " micros in the last minute, limit " + maxPerMinute, 0);
      }
    }
  }

  /**
   * A cut (the upstream went past its output cap) or a charge above the reservation means an
   * upstream that ignores {@code max_tokens}: it may have produced, and billed, more than Pouch saw
   * before the cancel reached it, so the budget may be exceeded by that much (FINANCIAL_SAFETY.md,
   * known limits). The operator hears of it, at most once a minute per key; the key is not
   * suspended, since the limits above decide that.
   */
  private void alertOverrun(RequestContext context, RequestRecord record) {
    long cuts = overrunsSinceNotice.incrementAndGet();
    long now = record.createdAt().toEpochMilli() + record.latencyMillis();
    long last = lastOverrunNotice.get();
    if (webhookUrl == null
        || (last != NEVER && now - last < WINDOW_MILLIS)
        || !lastOverrunNotice.compareAndSet(last, now)) {
      return;
    }
    overrunsSinceNotice.addAndGet(-cuts);
    Map<String, Object> notice = Notices.about("spend_guard.overrun", context);
    notice.put("request_id", record.requestId());
    notice.put("settlement", record.basis() == null ? null : record.basis().wireName());
    notice.put("reserved_micros", record.reservedMicros());
    notice.put("charged_micros", record.costMicros());
    notice.put("overrun_micros", record.overrunMicros());
    notice.put("requests", cuts);
    notice.put("at", Instant.ofEpochMilli(now).toString());
    context.control().notify(webhookUrl, notice);
  }

  private synchronized long spendInWindow(long nowMillis) {
    while (!settledInWindow.isEmpty()
        && settledInWindow.peekFirst()[0] <= nowMillis - WINDOW_MILLIS) {
      windowSpend -= settledInWindow.removeFirst()[1];
    }
    return windowSpend;
  }

  /**
   * Suspends the key (once per guard instance: resuming builds a new one) and tells the webhook.
   */
  private Optional<Refusal> trip(RequestContext context, String why, long requested) {
    String reason = "spend_guard: " + why;
    if (tripped.compareAndSet(false, true)) {
      KeyControl control = context.control();
      control.suspend(reason);
      if (webhookUrl != null) {
        Map<String, Object> notice = Notices.about("spend_guard.tripped", context);
        notice.put("reason", why);
        notice.put("request_id", context.requestId());
        notice.put("requested_micros", requested);
        notice.put("at", Instant.ofEpochMilli(context.receivedAt().toEpochMilli()).toString());
        control.notify(webhookUrl, notice);
      }
    }
    return Optional.of(
        Refusal.of(
            ErrorCode.KEY_SUSPENDED,
            "This app key was suspended by its spend guard ("
                + why
                + "); an admin must resume it."));
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  static final PluginInfo INFO =
      new PluginInfo(
          ID,
          "Spend guard",
          "Suspends the key when its money in flight or its spend per minute goes above a cap,"
              + " and notifies a webhook; an admin resumes it.",
          PluginSchema.of(
              SchemaField.builder("max_in_flight_micros", FieldType.INTEGER)
                  .displayName("Max money in flight (micro-USD)")
                  .description(
                      "Trips when open reservations of the key would exceed this (1 USD ="
                          + " 1,000,000).")
                  .min(1)
                  .role("micros")
                  .build(),
              SchemaField.builder("max_spend_per_minute_micros", FieldType.INTEGER)
                  .displayName("Max spend per minute (micro-USD)")
                  .description("Trips when the settled spend of the last 60 s reaches this.")
                  .min(1)
                  .role("micros")
                  .build(),
              CommonFields.webhookUrl(
                  "Receives a JSON notice (POST) when the guard trips, and (at most once a minute)"
                      + " when the upstream went past an answer's cap: it ignores max_tokens.",
                  false)),
          false);

  /** The factory the catalog registers. */
  static MiddlewareFactory factory() {
    return MiddlewareFactory.of(
        INFO,
        config ->
            new SpendGuardMiddleware(
                config.integer("max_in_flight_micros", 0),
                config.integer("max_spend_per_minute_micros", 0),
                config.has("webhook_url") ? config.string("webhook_url", null) : null));
  }
}
