package dev.pouch.domain.chain;

import dev.pouch.domain.budget.Budget;
import java.util.Map;

/**
 * What the host lets a middleware do about its key beyond the current request: read its budget,
 * suspend it, and send notices. Reached through {@link RequestContext#control()}.
 */
public interface KeyControl {

  /** The key's budget as stored now. */
  Budget budget();

  /**
   * Suspends the key until an admin resumes it: its requests are then refused with 403 {@code
   * key_suspended}. Requests already in flight finish and settle. Idempotent.
   *
   * @param reason shown to admins in the key view
   */
  void suspend(String reason);

  /**
   * Posts {@code notice} as JSON to {@code webhookUrl} in the background. Delivery failures are
   * logged by the host, never thrown: a notice must not break a request.
   */
  void notify(String webhookUrl, Map<String, Object> notice);

  /** For contexts built outside a host (tests, tools): every action fails. */
  KeyControl UNSUPPORTED =
      new KeyControl() {
        @Override
        public Budget budget() {
          throw new UnsupportedOperationException("no host to read budgets from");
        }

        @Override
        public void suspend(String reason) {
          throw new UnsupportedOperationException("no host to suspend keys");
        }

        @Override
        public void notify(String webhookUrl, Map<String, Object> notice) {
          throw new UnsupportedOperationException("no host to send notices");
        }
      };
}
