package dev.pouch.domain.chain;

import dev.pouch.domain.key.AppKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * State of one proxied request, shared by the links of its chain: ids, the verified key, and typed
 * attributes middlewares may set for each other.
 */
public final class RequestContext {
  private final String requestId;
  private final AppKey key;
  private final Instant receivedAt;
  private final KeyControl control;
  private final Map<AttributeKey<?>, Object> attributes = new ConcurrentHashMap<>();
  private final List<RequestObserver> observers = new CopyOnWriteArrayList<>();

  /** A context whose {@link #control()} refuses every action (tests, tools). */
  public RequestContext(String requestId, AppKey key, Instant receivedAt) {
    this(requestId, key, receivedAt, KeyControl.UNSUPPORTED);
  }

  public RequestContext(String requestId, AppKey key, Instant receivedAt, KeyControl control) {
    this.requestId = Objects.requireNonNull(requestId, "requestId");
    this.key = Objects.requireNonNull(key, "key");
    this.receivedAt = Objects.requireNonNull(receivedAt, "receivedAt");
    this.control = Objects.requireNonNull(control, "control");
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

  /** What the host lets middlewares do about this key (suspend it, read its budget, notify). */
  public KeyControl control() {
    return control;
  }

  /** Registers an observer of this request's reservation and settlement. */
  public void observe(RequestObserver observer) {
    observers.add(Objects.requireNonNull(observer, "observer"));
  }

  /** The registered observers, in registration order. */
  public List<RequestObserver> observers() {
    return List.copyOf(observers);
  }

  public <T> Optional<T> get(AttributeKey<T> attribute) {
    return Optional.ofNullable(attributes.get(attribute)).map(attribute::cast);
  }

  public <T> void set(AttributeKey<T> attribute, T value) {
    attributes.put(attribute, Objects.requireNonNull(value, "value"));
  }
}
