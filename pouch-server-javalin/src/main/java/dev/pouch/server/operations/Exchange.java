package dev.pouch.server.operations;

import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.domain.chain.RequestObserver;
import dev.pouch.domain.log.RequestRecord;
import io.javalin.http.Context;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What the access log and the metrics learn about one HTTP request while it is served: its request
 * id, the client's own id, when it began, and, for proxied requests, the key prefix, model, stream
 * flag and the settlement (which the request's {@link #observer()} receives). Created by {@link
 * Observability} before any handler, reachable from the {@link Context}.
 */
public final class Exchange {
  private static final String ATTRIBUTE = "pouch.exchange";
  private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

  /** Pouch's id of the request: the ledger's key and the request-log row's id. */
  public final String requestId;

  /** The {@code x-request-id} the client sent, if valid: logged to correlate, never a key. */
  public final String clientRequestId;

  public final long startedNanos;
  public volatile String keyPrefix;
  public volatile String model;
  public volatile boolean stream;
  volatile RequestRecord settled;

  /** The request's trace span and its context on the request's thread ({@link Tracing}). */
  volatile io.opentelemetry.api.trace.Span span;

  volatile io.opentelemetry.context.Scope scope;

  private Exchange(String requestId, String clientRequestId, long startedNanos) {
    this.requestId = requestId;
    this.clientRequestId = clientRequestId;
    this.startedNanos = startedNanos;
  }

  /** Starts the exchange of a request under a new Pouch id; the client's id is kept aside. */
  static Exchange begin(Context ctx, Supplier<String> ids) {
    Exchange exchange = new Exchange(ids.get(), clientRequestId(ctx), System.nanoTime());
    ctx.attribute(ATTRIBUTE, exchange);
    return exchange;
  }

  /** The exchange of this request, or {@code null} if none began (Pouch mounted without it). */
  public static Exchange of(Context ctx) {
    return ctx.attribute(ATTRIBUTE);
  }

  /** The client's {@code x-request-id} when it is a plausible id, else {@code null}. */
  public static String clientRequestId(Context ctx) {
    String incoming = ctx.header(ProxyChat.REQUEST_ID_HEADER);
    return incoming != null && VALID_ID.matcher(incoming).matches() ? incoming : null;
  }

  /** Receives the request's settlement, for the access line. */
  public RequestObserver observer() {
    return new RequestObserver() {
      @Override
      public void settled(RequestRecord record) {
        settled = record;
      }
    };
  }
}
