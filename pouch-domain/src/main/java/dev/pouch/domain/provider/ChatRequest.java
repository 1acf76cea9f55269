package dev.pouch.domain.provider;

import dev.pouch.domain.error.RequestRejectedException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A chat-completions request as a JSON tree (maps, lists, strings, numbers, booleans, nulls), so
 * fields Pouch does not know pass through untouched. The fields Pouch acts on are checked once, in
 * {@link #of}, and read through typed accessors; edits return a new request.
 */
public final class ChatRequest implements Operation {
  /** Largest {@code n} accepted (OpenAI's limit). */
  public static final int MAX_CHOICES = 128;

  static final String MAX_TOKENS = "max_tokens";
  static final String MAX_COMPLETION_TOKENS = "max_completion_tokens";

  private final Map<String, Object> body;

  private ChatRequest(Map<String, Object> body) {
    this.body = Collections.unmodifiableMap(body);
  }

  /**
   * Checks the fields Pouch relies on and wraps the body.
   *
   * @throws RequestRejectedException {@code INVALID_REQUEST} naming the field at fault
   */
  public static ChatRequest of(Map<String, Object> body) {
    Objects.requireNonNull(body, "body");
    BodyFields.requireModel(body);
    Object messages = body.get("messages");
    if (!(messages instanceof List<?> list) || list.isEmpty()) {
      throw RequestRejectedException.invalidRequest(
          "messages", "'messages' must be a non-empty array");
    }
    for (Object message : list) {
      if (!(message instanceof Map<?, ?>)) {
        throw RequestRejectedException.invalidRequest(
            "messages", "each entry of 'messages' must be an object");
      }
    }
    BodyFields.optionalBoolean(body, "stream");
    Object options = body.get("stream_options");
    if (options != null && !(options instanceof Map<?, ?>)) {
      throw RequestRejectedException.invalidRequest(
          "stream_options", "'stream_options' must be an object");
    }
    BodyFields.positiveInteger(body, MAX_TOKENS, Long.MAX_VALUE);
    BodyFields.positiveInteger(body, MAX_COMPLETION_TOKENS, Long.MAX_VALUE);
    BodyFields.positiveInteger(body, "n", MAX_CHOICES);
    return new ChatRequest(new LinkedHashMap<>(body));
  }

  /** The whole body; unmodifiable. */
  @Override
  public String api() {
    return CHAT_COMPLETIONS;
  }

  /**
   * The chat request an operation is, for a provider that serves chat completions only.
   *
   * @throws IllegalArgumentException when it is another API's operation (the core asks {@link
   *     Provider#serves} first, so this is a bug)
   */
  public static ChatRequest of(Operation operation) {
    if (operation instanceof ChatRequest chat) {
      return chat;
    }
    throw new IllegalArgumentException("not a chat completions request: " + operation.api());
  }

  @Override
  public Map<String, Object> body() {
    return body;
  }

  @Override
  public String model() {
    return (String) body.get("model");
  }

  /** The messages, each a JSON object. */
  public List<?> messages() {
    return (List<?>) body.get("messages");
  }

  @Override
  public boolean stream() {
    return Boolean.TRUE.equals(body.get("stream"));
  }

  /** Whether the client asked for the usage chunk at the end of a stream. */
  public boolean includeUsage() {
    return body.get("stream_options") instanceof Map<?, ?> options
        && Boolean.TRUE.equals(options.get("include_usage"));
  }

  /** Number of choices ({@code n}); 1 when absent. */
  @Override
  public int choices() {
    Long n = BodyFields.integer(body, "n");
    return n == null ? 1 : n.intValue();
  }

  /**
   * The client's output limit per choice: {@code max_completion_tokens}, else {@code max_tokens},
   * else {@code null}. When both are set, the smaller one binds.
   */
  @Override
  public Long maxOutputTokens() {
    Long completion = BodyFields.integer(body, MAX_COMPLETION_TOKENS);
    Long legacy = BodyFields.integer(body, MAX_TOKENS);
    if (completion == null) {
      return legacy;
    }
    return legacy == null ? completion : Math.min(completion, legacy);
  }

  /**
   * Whether the client set an output limit ({@code max_tokens} or {@code max_completion_tokens}).
   */
  @Override
  public boolean hasOutputLimit() {
    return body.containsKey(MAX_TOKENS) || body.containsKey(MAX_COMPLETION_TOKENS);
  }

  /** A copy asking for another model. */
  @Override
  public ChatRequest withModel(String model) {
    return with("model", Objects.requireNonNull(model, "model"));
  }

  /**
   * A copy whose output limit is {@code tokens}, written to the field the client used ({@code
   * max_completion_tokens} if present, {@code max_tokens} otherwise, both if both): every limit
   * field an upstream may honour then says the same, so none allows more than the other.
   */
  @Override
  public ChatRequest withMaxOutputTokens(long tokens) {
    Map<String, Object> copy = new LinkedHashMap<>(body);
    boolean completion = copy.containsKey(MAX_COMPLETION_TOKENS);
    if (completion) {
      copy.put(MAX_COMPLETION_TOKENS, tokens);
    }
    if (!completion || copy.containsKey(MAX_TOKENS)) {
      copy.put(MAX_TOKENS, tokens);
    }
    return new ChatRequest(copy);
  }

  /** A copy with one top-level field set (or removed when {@code value} is null). */
  public ChatRequest with(String field, Object value) {
    return new ChatRequest(BodyFields.with(body, field, value));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ChatRequest that && body.equals(that.body);
  }

  @Override
  public int hashCode() {
    return body.hashCode();
  }

  @Override
  public String toString() {
    return "ChatRequest[model=" + model() + ", stream=" + stream() + "]";
  }
}
