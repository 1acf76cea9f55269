package dev.pouch.domain.log;

import dev.pouch.domain.budget.SettlementBasis;
import java.time.Instant;
import java.util.Objects;

/**
 * One row of the request log.
 *
 * @param requestId Pouch's request id (also the reservation id, when one was made)
 * @param keyId the key that made the request
 * @param model the model asked of the upstream (after middlewares)
 * @param createdAt when the request arrived
 * @param status HTTP status returned to the client
 * @param streamed whether the answer was streamed
 * @param promptTokens billed prompt tokens
 * @param cachedPromptTokens part of the prompt billed at the cached price
 * @param completionTokens billed output tokens
 * @param reservedMicros the reservation taken (0 when none)
 * @param costMicros the final charge
 * @param basis how the charge was determined, or {@code null} when no reservation was made
 * @param overrunMicros how much the charge exceeded the reservation (should always be 0)
 * @param latencyMillis time from arrival to the end of the response
 * @param errorCode the error code returned, or {@code null} on success
 * @param pricedAs the price source that priced the request (for reconciliation), or {@code null}
 * @param clientRequestId the {@code x-request-id} the client sent, kept to correlate its logs with
 *     this row (never a ledger key: Pouch chooses {@code requestId}), or {@code null}
 * @param endUserId the end user the request named (on a key that reads end users), or {@code null}
 * @param upstream the upstream that served the request, by its place in the key's policy ({@code
 *     provider:openai}, {@code fallbacks[0]:anthropic}), or {@code null} when none was called
 */
public record RequestRecord(
    String requestId,
    String keyId,
    String model,
    Instant createdAt,
    int status,
    boolean streamed,
    long promptTokens,
    long cachedPromptTokens,
    long completionTokens,
    long reservedMicros,
    long costMicros,
    SettlementBasis basis,
    long overrunMicros,
    long latencyMillis,
    String errorCode,
    String pricedAs,
    String clientRequestId,
    String endUserId,
    String upstream) {
  public RequestRecord {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** A row that names no upstream. */
  public RequestRecord(
      String requestId,
      String keyId,
      String model,
      Instant createdAt,
      int status,
      boolean streamed,
      long promptTokens,
      long cachedPromptTokens,
      long completionTokens,
      long reservedMicros,
      long costMicros,
      SettlementBasis basis,
      long overrunMicros,
      long latencyMillis,
      String errorCode,
      String pricedAs,
      String clientRequestId,
      String endUserId) {
    this(
        requestId,
        keyId,
        model,
        createdAt,
        status,
        streamed,
        promptTokens,
        cachedPromptTokens,
        completionTokens,
        reservedMicros,
        costMicros,
        basis,
        overrunMicros,
        latencyMillis,
        errorCode,
        pricedAs,
        clientRequestId,
        endUserId,
        null);
  }

  /** A row naming no end user and no upstream. */
  public RequestRecord(
      String requestId,
      String keyId,
      String model,
      Instant createdAt,
      int status,
      boolean streamed,
      long promptTokens,
      long cachedPromptTokens,
      long completionTokens,
      long reservedMicros,
      long costMicros,
      SettlementBasis basis,
      long overrunMicros,
      long latencyMillis,
      String errorCode,
      String pricedAs,
      String clientRequestId) {
    this(
        requestId,
        keyId,
        model,
        createdAt,
        status,
        streamed,
        promptTokens,
        cachedPromptTokens,
        completionTokens,
        reservedMicros,
        costMicros,
        basis,
        overrunMicros,
        latencyMillis,
        errorCode,
        pricedAs,
        clientRequestId,
        null);
  }

  /** A row without a client request id. */
  public RequestRecord(
      String requestId,
      String keyId,
      String model,
      Instant createdAt,
      int status,
      boolean streamed,
      long promptTokens,
      long cachedPromptTokens,
      long completionTokens,
      long reservedMicros,
      long costMicros,
      SettlementBasis basis,
      long overrunMicros,
      long latencyMillis,
      String errorCode,
      String pricedAs) {
    this(
        requestId,
        keyId,
        model,
        createdAt,
        status,
        streamed,
        promptTokens,
        cachedPromptTokens,
        completionTokens,
        reservedMicros,
        costMicros,
        basis,
        overrunMicros,
        latencyMillis,
        errorCode,
        pricedAs,
        null);
  }

  /** A row without a price source. */
  public RequestRecord(
      String requestId,
      String keyId,
      String model,
      Instant createdAt,
      int status,
      boolean streamed,
      long promptTokens,
      long cachedPromptTokens,
      long completionTokens,
      long reservedMicros,
      long costMicros,
      SettlementBasis basis,
      long overrunMicros,
      long latencyMillis,
      String errorCode) {
    this(
        requestId,
        keyId,
        model,
        createdAt,
        status,
        streamed,
        promptTokens,
        cachedPromptTokens,
        completionTokens,
        reservedMicros,
        costMicros,
        basis,
        overrunMicros,
        latencyMillis,
        errorCode,
        null);
  }
}
