package dev.pouch.application.port.in;

import dev.pouch.domain.chain.RequestObserver;
import java.util.Map;
import java.util.Objects;

/**
 * What the host knows of a proxied request besides its key and body.
 *
 * @param requestId the id Pouch gave the request ({@link ProxyChat#newRequestId()}): the ledger's
 *     key, the request-log row's id, and what the host returns in {@code x-request-id}
 * @param clientRequestId the {@code x-request-id} the client sent, or {@code null}: kept on the
 *     request-log row and in logs to correlate, never a ledger key (a client that chose a settled
 *     id would reserve nothing)
 * @param observer follows the request's money for the host (its access log), or {@link #NOBODY}
 * @param apiHeaders request headers the API reads as part of the request (the Messages API's {@code
 *     anthropic-version} and {@code anthropic-beta}), by lower-case name; never credentials
 * @param endUserHeader the {@code x-pouch-end-user} header's value, or {@code null}: read only on a
 *     key whose end users are named by that header
 */
public record RequestMeta(
    String requestId,
    String clientRequestId,
    RequestObserver observer,
    Map<String, String> apiHeaders,
    String endUserHeader) {
  /** An observer that observes nothing. */
  public static final RequestObserver NOBODY = new RequestObserver() {};

  public RequestMeta {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(observer, "observer");
    apiHeaders = Map.copyOf(apiHeaders);
  }

  /** A request without an end-user header. */
  public RequestMeta(
      String requestId,
      String clientRequestId,
      RequestObserver observer,
      Map<String, String> apiHeaders) {
    this(requestId, clientRequestId, observer, apiHeaders, null);
  }

  /** A request whose API reads no headers. */
  public RequestMeta(String requestId, String clientRequestId, RequestObserver observer) {
    this(requestId, clientRequestId, observer, Map.of());
  }

  /** A request with its id only. */
  public static RequestMeta of(String requestId) {
    return new RequestMeta(requestId, null, NOBODY);
  }
}
