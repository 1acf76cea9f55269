package dev.pouch.domain.provider;

import java.util.Map;

/** The request types of the APIs Pouch serves, by {@link Operation#api() name}. */
public final class Operations {
  private Operations() {}

  /**
   * Checks a request body of the API {@code api} and wraps it as its operation.
   *
   * @throws dev.pouch.domain.error.RequestRejectedException {@code INVALID_REQUEST} naming the
   *     field at fault
   * @throws IllegalArgumentException for an API Pouch does not serve (a host's bug)
   */
  public static Operation parse(String api, Map<String, Object> body) {
    return parse(api, body, Map.of());
  }

  /**
   * {@link #parse(String, Map)} with the request headers an API reads as part of the request (the
   * Messages API's {@code anthropic-version} and {@code anthropic-beta}, lower-case names); other
   * APIs ignore them.
   */
  public static Operation parse(String api, Map<String, Object> body, Map<String, String> headers) {
    switch (api) {
      case Operation.MESSAGES:
        return MessagesRequest.of(body, headers);
      case Operation.CHAT_COMPLETIONS:
        return ChatRequest.of(body);
      case Operation.EMBEDDINGS:
        return EmbeddingsRequest.of(body);
      case Operation.COMPLETIONS:
        return CompletionRequest.of(body);
      case Operation.RESPONSES:
        return ResponsesRequest.of(body);
      default:
        throw new IllegalArgumentException("no such API: " + api);
    }
  }
}
