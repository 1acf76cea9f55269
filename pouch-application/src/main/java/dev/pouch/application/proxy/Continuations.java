package dev.pouch.application.proxy;

import dev.pouch.application.port.out.StoredResponses;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Charge;
import dev.pouch.domain.budget.Ending;
import dev.pouch.domain.budget.ReservationPlan;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.ResponsesRequest;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests that continue an answer stored upstream ({@code previous_response_id}): the upstream
 * bills that answer's context again as input, which Pouch bounds by what it recorded when it served
 * the answer ({@link StoredResponses}). A continued id Pouch did not record for the same key cannot
 * be bounded: refused on a key with a budget; another key's id is refused on any key, so that no
 * key continues (or reads through the answer) another key's conversation. Without a store every
 * continuation on a key with a budget is refused.
 */
final class Continuations {
  private static final Logger log = LoggerFactory.getLogger(Continuations.class);

  /** No store: nothing recorded, nothing continued on a key with a budget. */
  static final Continuations NONE = new Continuations(null);

  private final StoredResponses store;

  Continuations(StoredResponses store) {
    this.store = store;
  }

  /** The context a request continues (0 when none), or why it is refused. */
  sealed interface Lookup {
    record Context(long tokens) implements Lookup {}

    record Refused(Refusal refusal) implements Lookup {}
  }

  Lookup lookup(Operation request, AppKey key, Budget budget) {
    Optional<String> continued = request.continues();
    if (continued.isEmpty()) {
      return new Lookup.Context(0);
    }
    String id = continued.get();
    Optional<StoredResponses.StoredResponse> found =
        store == null ? Optional.empty() : store.lookup(id);
    if (found.isPresent() && found.get().keyId().equals(key.id())) {
      return new Lookup.Context(found.get().contextTokens());
    }
    if (found.isEmpty() && budget.isUnlimited()) {
      return new Lookup.Context(0); // served before Pouch, or elsewhere: nothing to bound
    }
    // Another key's id reads the same as an unknown one: its existence is not disclosed.
    return new Lookup.Refused(
        Refusal.of(
            ErrorCode.INVALID_REQUEST,
            "The previous_response_id '"
                + id
                + "' names no response served to this key through Pouch, so the context it carries cannot"
                + " be bounded"
                + (budget.isUnlimited() ? "." : " on this key's budget.")
                + " Continue a response this key made, or send the conversation as input items.",
            ResponsesRequest.PREVIOUS_RESPONSE_ID));
  }

  /** Whether Pouch recorded {@code responseId} as served to {@code keyId}. */
  boolean servedTo(String responseId, String keyId) {
    return store != null
        && store.lookup(responseId).map(found -> found.keyId().equals(keyId)).orElse(false);
  }

  /** Forgets an answer the upstream deleted. */
  void forget(String responseId) {
    if (store != null) {
      store.forget(responseId);
    }
  }

  /** What records the answer of one request when it settles, if its API stores answers. */
  Recording recordingFor(Operation request, String keyId, long continuedContext) {
    boolean stored = request instanceof ResponsesRequest responses && responses.stored();
    return new Recording(stored ? store : null, keyId, continuedContext);
  }

  /**
   * Records an answer that completed, with its context: the settled prompt (which includes the
   * context it continued) and output; when usage is unknown, the plan's prompt bound and every
   * output token reserved. Never less than the truth, so a later continuation is never under-
   * reserved. An answer with implausible usage, or one that did not complete, is not recorded
   * (continuing it is refused on a key with a budget).
   */
  static final class Recording {
    private final StoredResponses store;
    private final String keyId;
    private final long continuedContext;
    private volatile String answerId;

    private Recording(StoredResponses store, String keyId, long continuedContext) {
      this.store = store;
      this.keyId = keyId;
      this.continuedContext = continuedContext;
    }

    /** The context this request continues, already in its prompt bound. */
    long continuedContext() {
      return continuedContext;
    }

    /** The id the upstream gave the answer, once known (null ignored). */
    void answered(String id) {
      if (id != null && !id.isEmpty()) {
        answerId = id;
      }
    }

    void settled(Ending ending, int status, Charge charge, ReservationPlan plan, Instant at) {
      String id = answerId;
      if (store == null || id == null || ending != Ending.COMPLETED || status >= 300) {
        return;
      }
      long context;
      switch (charge.basis()) {
        case USAGE_REPORTED, COUNTED -> context = charge.promptTokens() + charge.completionTokens();
        case FULL_RESERVATION ->
            context =
                plan.promptTokens()
                    + Math.max(plan.billableOutputTokens(), charge.completionTokens());
        default -> {
          return;
        }
      }
      try {
        store.record(id, keyId, context, at);
      } catch (RuntimeException storeFailure) {
        // Not recorded: continuing it is refused on a key with a budget, never under-reserved.
        log.atWarn()
            .setCause(storeFailure)
            .addKeyValue("key_id", keyId)
            .log("could not record a stored response");
      }
    }
  }
}
