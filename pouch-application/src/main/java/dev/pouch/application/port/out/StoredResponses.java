package dev.pouch.application.port.out;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The answers Pouch served that a later request may continue (the Responses API's {@code
 * previous_response_id}), each with the key it was served to and the context it holds: the bound
 * Pouch reserves for that context when it is billed again as input. Only answers whose settlement
 * knew their context are recorded; an id missing here is one Pouch cannot bound.
 */
public interface StoredResponses {

  /**
   * Records an answer served to {@code keyId}. Recording an id again replaces its row (an upstream
   * never reuses ids; a replay records the same numbers).
   *
   * @param responseId the id the upstream gave the answer
   * @param keyId the key it was served to
   * @param contextTokens at least the tokens the upstream bills as input when a request continues
   *     it: its input and its output, never fewer than it served
   * @param at when it was recorded
   */
  void record(String responseId, String keyId, long contextTokens, Instant at);

  /** The answer recorded under {@code responseId}, or empty. */
  Optional<StoredResponse> lookup(String responseId);

  /** Forgets an answer (deleted upstream); nothing happens for an id not recorded. */
  void forget(String responseId);

  /**
   * One recorded answer.
   *
   * @param keyId the key it was served to: only that key may continue it
   * @param contextTokens the tokens of context a continuing request is billed for it, at most
   */
  record StoredResponse(String keyId, long contextTokens) {
    public StoredResponse {
      Objects.requireNonNull(keyId, "keyId");
      if (contextTokens < 0) {
        throw new IllegalArgumentException("contextTokens cannot be negative");
      }
    }
  }
}
