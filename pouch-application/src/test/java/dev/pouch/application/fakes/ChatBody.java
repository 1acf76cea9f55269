package dev.pouch.application.fakes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Chat-completions bodies as a JSON parser hands them over (maps, lists, longs). */
public final class ChatBody {
  private final Map<String, Object> body = new LinkedHashMap<>();

  private ChatBody(String model) {
    body.put("model", model);
    body.put("messages", List.of(Map.of("role", "user", "content", "Hello")));
  }

  /** A request for the fake's default model with no output limit. */
  public static ChatBody chat() {
    return new ChatBody(FakeUpstream.MODEL);
  }

  public ChatBody model(String model) {
    return with("model", model);
  }

  public ChatBody maxTokens(long tokens) {
    return with("max_tokens", tokens);
  }

  public ChatBody maxCompletionTokens(long tokens) {
    return with("max_completion_tokens", tokens);
  }

  public ChatBody n(long choices) {
    return with("n", choices);
  }

  public ChatBody stream() {
    return with("stream", true);
  }

  public ChatBody with(String field, Object value) {
    body.put(field, value);
    return this;
  }

  public Map<String, Object> build() {
    return new LinkedHashMap<>(body);
  }
}
