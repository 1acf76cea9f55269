package dev.pouch.application.port.out;

import java.net.URI;

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

  /** Stops sending; notices still queued may be dropped. */
  @Override
  default void close() {}
}
