package dev.pouch.adapters.mock;

import dev.pouch.domain.provider.ChatRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds chat requests for tests. */
public final class Requests {
  private Requests() {}

  /** A one-message request to {@code mock-model}; {@code extra} adds or replaces fields. */
  public static ChatRequest chat(Object... extra) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "mock-model");
    body.put("messages", List.of(Map.of("role", "user", "content", "Say hello please")));
    for (int i = 0; i < extra.length; i += 2) {
      body.put((String) extra[i], extra[i + 1]);
    }
    return ChatRequest.of(body);
  }
}
