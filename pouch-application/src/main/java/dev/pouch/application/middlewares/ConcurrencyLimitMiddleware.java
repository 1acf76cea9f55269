package dev.pouch.application.middlewares;

import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.ResponseStream;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code concurrency_limit}: at most {@code max_in_flight} requests of a key in flight at once; a
 * stream counts until it ends. Extra requests are refused at once with 429 (not queued: a queued
 * request would hold a server thread and the client's timeout).
 */
final class ConcurrencyLimitMiddleware implements Middleware {
  static final String ID = "concurrency_limit";

  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();

  ConcurrencyLimitMiddleware(int maxInFlight) {
    this.maxInFlight = maxInFlight;
  }

  @Override
  public ProxyResponse intercept(Chain chain) {
    if (inFlight.incrementAndGet() > maxInFlight) {
      inFlight.decrementAndGet();
      return ProxyResponse.refused(
          Refusal.rateLimited(
              "This key already has " + maxInFlight + " requests in flight; retry shortly.", 1));
    }
    Slot slot = new Slot();
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

  /** One taken place, given back exactly once. */
  private final class Slot {
    private final AtomicBoolean released = new AtomicBoolean();

    void release() {
      if (released.compareAndSet(false, true)) {
        inFlight.decrementAndGet();
      }
    }
  }

  /** A stream that gives its place back when it is closed. */
  private record Releasing(ResponseStream inner, Slot slot) implements ResponseStream {
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
    return MiddlewareFactory.of(
        INFO, config -> new ConcurrencyLimitMiddleware((int) config.integer("max_in_flight", 1)));
  }
}
