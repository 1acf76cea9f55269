package dev.pouch.application.middlewares;

import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.ResponseStream;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.limit.HeldSlot;
import dev.pouch.domain.limit.SlotPool;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import java.util.Optional;

/**
 * {@code concurrency_limit}: at most {@code max_in_flight} requests of a key in flight at once; a
 * stream counts until it ends. Extra requests are refused at once with 429 (not queued: a queued
 * request would hold a server thread and the client's timeout). The slots come from the host's
 * limit counters: in this process, or shared by every instance.
 */
final class ConcurrencyLimitMiddleware implements Middleware {
  static final String ID = "concurrency_limit";

  private final SlotPool slots;

  ConcurrencyLimitMiddleware(SlotPool slots) {
    this.slots = slots;
  }

  @Override
  public ProxyResponse intercept(Chain chain) {
    Optional<HeldSlot> acquired = slots.acquire();
    if (acquired.isEmpty()) {
      return ProxyResponse.refused(
          Refusal.rateLimited(
              "This key already has " + slots.max() + " requests in flight; retry shortly.", 1));
    }
    HeldSlot slot = acquired.get();
    try {
      ProxyResponse response = chain.proceed(chain.request());
      if (response instanceof ProxyResponse.Streaming streaming) {
        return new ProxyResponse.Streaming(
            streaming.status(), streaming.headers(), new Releasing(streaming.stream(), slot));
      }
      slot.release();
      return response;
    } catch (RuntimeException failure) {
      slot.release();
      throw failure;
    }
  }

  /** A stream that gives its place back when it is closed. */
  private record Releasing(ResponseStream inner, HeldSlot slot) implements ResponseStream {
    @Override
    public byte[] next() {
      return inner.next();
    }

    @Override
    public void close() {
      try {
        inner.close();
      } finally {
        slot.release();
      }
    }
  }

  static final PluginInfo INFO =
      new PluginInfo(
          ID,
          "Concurrency limit",
          "At most `max_in_flight` requests of this key at once (streams count until they end).",
          PluginSchema.of(
              SchemaField.builder("max_in_flight", FieldType.INTEGER)
                  .displayName("Requests in flight")
                  .description("How many requests may run at the same time.")
                  .required()
                  .min(1)
                  .max(100_000)
                  .build()),
          false);

  /** The factory the catalog registers. */
  static MiddlewareFactory factory() {
    return new SitedFactory(
        INFO,
        (config, site) ->
            new ConcurrencyLimitMiddleware(
                site.limits()
                    .slots(site.counterName(ID), (int) config.integer("max_in_flight", 1))));
  }
}
