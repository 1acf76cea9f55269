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
    switch (api) {
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
