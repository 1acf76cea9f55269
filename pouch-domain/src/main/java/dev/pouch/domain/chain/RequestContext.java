package dev.pouch.domain.chain;

import dev.pouch.domain.key.AppKey;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * State of one proxied request, shared by the links of its chain: ids, the verified key, and typed
 * attributes middlewares may set for each other.
 */
public final class RequestContext {
  private final String requestId;
  private final AppKey key;
  private final Instant receivedAt;
  private final Map<AttributeKey<?>, Object> attributes = new ConcurrentHashMap<>();

  public RequestContext(String requestId, AppKey key, Instant receivedAt) {
    this.requestId = Objects.requireNonNull(requestId, "requestId");
    this.key = Objects.requireNonNull(key, "key");
    this.receivedAt = Objects.requireNonNull(receivedAt, "receivedAt");
  }

  public String requestId() {
    return requestId;
  }

  /** The verified key making the request. */
  public AppKey key() {
    return key;
  }

  public Instant receivedAt() {
    return receivedAt;
  }

  public <T> Optional<T> get(AttributeKey<T> attribute) {
    return Optional.ofNullable(attributes.get(attribute)).map(attribute::cast);
  }

  public <T> void set(AttributeKey<T> attribute, T value) {
    attributes.put(attribute, Objects.requireNonNull(value, "value"));
  }
}
