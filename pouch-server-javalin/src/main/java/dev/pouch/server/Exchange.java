package dev.pouch.server;

import dev.pouch.domain.log.RequestRecord;
import io.javalin.http.Context;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * What the access log and the metrics learn about one HTTP request while it is served: its request
 * id, when it began, and, for proxied requests, the key prefix, model, stream flag and the
 * settlement. Created by {@link Observability} before any handler, reachable from the {@link
 * Context} and, on the serving thread, from {@link #current()} (settlements are reported there).
 */
final class Exchange {
  static final String HEADER = "x-request-id";
  private static final String ATTRIBUTE = "pouch.exchange";
  private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");
  private static final ThreadLocal<Exchange> CURRENT = new ThreadLocal<>();

  final String requestId;
  final long startedNanos;
  volatile String keyPrefix;
  volatile String model;
  volatile String providerId;
  volatile boolean stream;
  volatile RequestRecord settled;
  volatile String errorCode;

  private Exchange(String requestId, long startedNanos) {
    this.requestId = requestId;
    this.startedNanos = startedNanos;
  }

  /** Starts the exchange of a request: a valid incoming {@code x-request-id} or a new one. */
  static Exchange begin(Context ctx) {
    String incoming = ctx.header(HEADER);
    String id = incoming != null && VALID_ID.matcher(incoming).matches() ? incoming : newId();
    Exchange exchange = new Exchange(id, System.nanoTime());
    ctx.attribute(ATTRIBUTE, exchange);
    CURRENT.set(exchange);
    return exchange;
  }

  /** The exchange of this request, or {@code null} if none began (should not happen). */
  static Exchange of(Context ctx) {
    return ctx.attribute(ATTRIBUTE);
  }

  /** The exchange served by this thread, or {@code null}. */
  static Exchange current() {
    return CURRENT.get();
  }

  static void end() {
    CURRENT.remove();
  }

  private static String newId() {
    byte[] bytes = new byte[16];
    ThreadLocalRandom.current().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
