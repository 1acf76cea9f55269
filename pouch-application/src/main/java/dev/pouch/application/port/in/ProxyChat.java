package dev.pouch.application.port.in;

import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.PouchException;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.provider.Operation;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The OpenAI-compatible use cases, for callers holding an app key. An HTTP host (the Javalin
 * server, or any stack embedding Pouch) needs only {@link #serve(String, String, Supplier,
 * String)}: the API, header and parsed body in, status, headers and a complete or streamed body
 * out.
 */
public interface ProxyChat {

  /**
   * Response header of every proxied answer (streams too, in the head): the budget's headroom as
   * the request read it, less this request's worst case. Absent for unlimited budgets.
   */
  String REMAINING_HEADER = "x-pouch-budget-remaining-micros";

  /** Response header of every proxied answer: what this request reserved (its worst case). */
  String RESERVED_HEADER = "x-pouch-reserved-micros";

  /**
   * Verifies an {@code Authorization} header value ({@code Bearer pa-…}).
   *
   * @throws dev.pouch.domain.error.RequestRejectedException {@code INVALID_API_KEY}
   */
  AppKey authenticate(String authorizationHeader);

  /** Response header of every answer: the request's id, as on its request-log row. */
  String REQUEST_ID_HEADER = "x-request-id";

  /** A new request id ({@code req_…}): the host gives one to every request it receives. */
  String newRequestId();

  /**
   * Serves one request of the API {@code api} ({@link Operation#CHAT_COMPLETIONS}, {@link
   * Operation#EMBEDDINGS}, …: see {@link dev.pouch.domain.provider.Operations}): key checks, the
   * key's middleware chain, worst-case reservation, the upstream call and exactly-once settlement.
   * Never throws a {@link PouchException}: a refusal, or an upstream failure, comes back as a
   * {@link ProxyResponse.Refused} for the host to write in the route's error shape. Every request
   * gets one request-log row, refused ones too.
   *
   * @param body the parsed JSON body (maps, lists, strings, numbers, booleans, nulls)
   * @param meta the request's id, the client's own id, and the host's observer
   * @return the response; a streaming one must be closed by the caller
   */
  ProxyResponse serve(String api, AppKey key, Map<String, Object> body, RequestMeta meta);

  /** {@link #serve(String, AppKey, Map, RequestMeta)} of {@code POST /v1/chat/completions}. */
  default ProxyResponse chatCompletions(AppKey key, Map<String, Object> body, RequestMeta meta) {
    return serve(Operation.CHAT_COMPLETIONS, key, body, meta);
  }

  /**
   * Serves one request of the API {@code api} for any HTTP stack in one call: authenticates, reads
   * the body, runs {@link #serve(String, AppKey, Map, RequestMeta)}, and turns every refusal into a
   * complete response in OpenAI's error shape (status, {@code Retry-After} included). It never
   * throws a {@link PouchException}. The response carries {@code x-request-id}.
   *
   * @param authorizationHeader the {@code Authorization} header value, or {@code null}
   * @param body the host's JSON parser, called only once the key is verified; parse floats as
   *     {@link java.math.BigDecimal}, and throw {@link
   *     dev.pouch.domain.error.RequestRejectedException#invalidRequest} for a malformed body
   * @param clientRequestId the {@code x-request-id} the client sent, or {@code null}
   * @return the response: write its status and headers, then its body, or copy a {@link
   *     ProxyResponse.Streaming}'s chunks as they come (flushing each) and close it
   */
  ProxyResponse serve(
      String api,
      String authorizationHeader,
      Supplier<Map<String, Object>> body,
      String clientRequestId);

  /** {@link #serve(String, String, Supplier, String)} of {@code POST /v1/chat/completions}. */
  default ProxyResponse serveChatCompletions(
      String authorizationHeader, Supplier<Map<String, Object>> body, String clientRequestId) {
    return serve(Operation.CHAT_COMPLETIONS, authorizationHeader, body, clientRequestId);
  }

  /** {@link #serveChatCompletions(String, Supplier, String)} for a client that sent no id. */
  default ProxyResponse serveChatCompletions(
      String authorizationHeader, Supplier<Map<String, Object>> body) {
    return serveChatCompletions(authorizationHeader, body, null);
  }

  /**
   * Serves {@code GET}/{@code DELETE /v1/responses/{id}}, {@code GET …/input_items} and {@code POST
   * …/cancel}: passed to the key's provider as they are, unmetered (nothing is generated). Only for
   * a response Pouch served to this key: any other id is a 404, whether it exists or not. A
   * successful {@code DELETE} forgets the response, so it can no longer be continued.
   *
   * @param method {@code GET}, {@code DELETE} or {@code POST}
   * @param responseId the response's id from the path
   * @param action {@code ""}, {@code "input_items"} or {@code "cancel"}
   * @param query the raw query string (say, {@code limit=20&order=asc}), or {@code null}
   * @return a complete response, or a {@link ProxyResponse.Refused}; never throws a {@link
   *     PouchException}
   */
  ProxyResponse storedResponse(
      AppKey key, String method, String responseId, String action, String query);

  /**
   * Serves Anthropic's {@code POST /v1/messages/count_tokens}: the key's provider asks its
   * upstream's free counter and the answer is passed through, unmetered (nothing is generated or
   * billed). The key must be usable and allowed the body's model.
   *
   * @param body the request body
   * @param apiHeaders the Messages API's request headers
   * @return a complete response, or a {@link ProxyResponse.Refused} (a provider without a counter:
   *     {@code unsupported_operation}); never throws a {@link PouchException}
   */
  ProxyResponse countTokens(AppKey key, Map<String, Object> body, Map<String, String> apiHeaders);

  /**
   * Ids of the models the key can reach and Pouch can price, for {@code GET /v1/models}: the key's
   * allowed models, else the provider's list ({@link dev.pouch.domain.provider.Provider#models}).
   */
  List<String> models(AppKey key);

  /**
   * The budgets {@code key} pays from, for its holder: the key's own, then its team's, each as the
   * key's next request would find it.
   */
  default List<HeldBudget> budgets(AppKey key) {
    return budgets(key, null);
  }

  /**
   * The budgets {@code key} pays from for the end user {@code endUserId} (its {@code
   * x-pouch-end-user} header): those of {@link #budgets(AppKey)}, then the end user's when the key
   * budgets its end users (as its next request would find them: an end user not seen yet shows its
   * fresh budgets).
   *
   * @param endUserId the end user's id, or {@code null} for the key's and team's only
   * @throws dev.pouch.domain.error.RequestRejectedException when the id is not a valid end-user id
   */
  List<HeldBudget> budgets(AppKey key, String endUserId);
}
