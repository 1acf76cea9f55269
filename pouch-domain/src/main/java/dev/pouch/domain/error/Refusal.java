package dev.pouch.domain.error;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A request Pouch refuses, as a value: what the client is told, whatever the route's error shape.
 * Middlewares refuse by returning one ({@code ProxyResponse.refused}); the HTTP host writes it with
 * the route's encoder and learns its code without reading the body.
 *
 * @param code what happened; its {@link ErrorCode#httpStatus()} is the status
 * @param message for the client: no internals, no secrets
 * @param param the request field at fault, or {@code null}
 * @param retryAfterSeconds for rate limits, seconds until a retry can succeed; otherwise 0
 * @param headers further response headers (say, {@code x-ratelimit-*}); never {@code Retry-After}
 *     or {@code Content-Type}, which the encoder writes
 */
public record Refusal(
    ErrorCode code,
    String message,
    String param,
    long retryAfterSeconds,
    Map<String, String> headers) {

  public Refusal {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    headers = Map.copyOf(headers);
    retryAfterSeconds = Math.max(0, retryAfterSeconds);
  }

  /** A refusal without a field at fault. */
  public static Refusal of(ErrorCode code, String message) {
    return new Refusal(code, message, null, 0, Map.of());
  }

  /** A refusal naming the request field at fault. */
  public static Refusal of(ErrorCode code, String message, String param) {
    return new Refusal(code, message, param, 0, Map.of());
  }

  /** A rate-limit refusal that tells the client when to retry (at least one second). */
  public static Refusal rateLimited(String message, long retryAfterSeconds) {
    return new Refusal(
        ErrorCode.RATE_LIMIT_EXCEEDED, message, null, Math.max(1, retryAfterSeconds), Map.of());
  }

  /** The HTTP status. */
  public int status() {
    return code.httpStatus();
  }

  /** A copy with one more header. */
  public Refusal withHeader(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new Refusal(code, message, param, retryAfterSeconds, copy);
  }
}
