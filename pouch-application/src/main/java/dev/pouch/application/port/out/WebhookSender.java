package dev.pouch.application.port.out;

import java.net.URI;
import java.util.Objects;

/**
 * Delivers JSON notices to webhooks (spend guard trips, budget alerts). Implementations send in the
 * background and never throw from {@link #send}: a notice must not delay or break a request.
 */
public interface WebhookSender extends AutoCloseable {

  /**
   * Queues one notice.
   *
   * @param url an http(s) URL from a plugin config (validated by its schema)
   * @param json the notice, already serialised
   */
  void send(URI url, String json);

  /**
   * Queues one notice with what it is about, which a sender that keeps undeliverable notices
   * ({@link UndeliveredNotices}) stores with it. By default the same as {@link #send(URI, String)}.
   */
  default void send(Notice notice) {
    send(notice.url(), notice.json());
  }

  /** Stops sending; notices still queued may be dropped. */
  @Override
  default void close() {}

  /**
   * One notice to deliver.
   *
   * @param url where to POST it
   * @param type the notice's {@code type} ({@code budget_alert}, {@code spend_guard.tripped}), or
   *     {@code null} when unknown
   * @param keyId the app key it is about, or {@code null}
   * @param json the notice, already serialised
   */
  record Notice(URI url, String type, String keyId, String json) {
    public Notice {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(json, "json");
    }
  }
}
