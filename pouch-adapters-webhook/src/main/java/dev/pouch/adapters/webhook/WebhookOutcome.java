package dev.pouch.adapters.webhook;

/** What became of one webhook attempt or notice, for metrics. */
public enum WebhookOutcome {
  /** The webhook answered 2xx: the notice is delivered. */
  DELIVERED,
  /** An attempt failed in a way worth retrying (no answer, 429, 5xx) and another is scheduled. */
  RETRIED,
  /** Not delivered and kept in the store as undeliverable. */
  KEPT,
  /** Not delivered and not kept either (no store, the store failed, or too much overflow). */
  LOST;

  /** The lower-case name used as a metric label. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
