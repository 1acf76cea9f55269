package dev.pouch.domain.provider;

import dev.pouch.domain.error.RequestRejectedException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A request to Anthropic's Messages API ({@code POST /v1/messages}) as a JSON tree, so fields Pouch
 * does not know pass through untouched, with the two request headers that belong to it ({@code
 * anthropic-version}, {@code anthropic-beta}). Checked once, in {@link #of}: {@code model}, {@code
 * messages} (a non-empty array of objects), {@code system} (text or blocks), {@code stream}, and
 * {@code max_tokens}, which the API requires: the one output limit, thinking included. A {@code
 * thinking.budget_tokens} counts inside it, so it never raises the bound; it must stay below {@code
 * max_tokens} unless the interleaved-thinking beta is on (then the budget spans the turn). One
 * answer per request. Edits return a new request.
 */
public final class MessagesRequest implements Operation {
  static final String MAX_TOKENS = "max_tokens";

  /** The header naming the API version; forwarded upstream. */
  public static final String VERSION_HEADER = "anthropic-version";

  /** The header listing beta features; forwarded upstream. */
  public static final String BETA_HEADER = "anthropic-beta";

  /** The smallest thinking budget Anthropic accepts. */
  static final long MIN_THINKING_BUDGET = 1024;

  private final Map<String, Object> body;
  private final Map<String, String> headers;

  private MessagesRequest(Map<String, Object> body, Map<String, String> headers) {
    this.body = Collections.unmodifiableMap(body);
    this.headers = headers;
  }

  /** {@link #of(Map, Map)} without headers. */
  public static MessagesRequest of(Map<String, Object> body) {
    return of(body, Map.of());
  }

  /**
   * Checks the fields Pouch relies on and wraps the body with the API's headers (others dropped).
   *
   * @param headers request headers by lower-case name; only {@value #VERSION_HEADER} and {@value
   *     #BETA_HEADER} are kept
   * @throws RequestRejectedException {@code INVALID_REQUEST} naming the field at fault
   */
  public static MessagesRequest of(Map<String, Object> body, Map<String, String> headers) {
    Objects.requireNonNull(body, "body");
    BodyFields.requireModel(body);
    requireMessages(body.get("messages"));
    Object system = body.get("system");
    if (system != null && !(system instanceof String) && !(system instanceof List<?>)) {
      throw RequestRejectedException.invalidRequest(
          "system", "'system' must be a string or an array of text blocks");
    }
    BodyFields.optionalBoolean(body, "stream");
    Long maxTokens = BodyFields.integer(body, MAX_TOKENS);
    if (maxTokens == null || maxTokens < 1) {
      throw RequestRejectedException.invalidRequest(
          MAX_TOKENS, "'max_tokens' is required: an integer from 1");
    }
    Map<String, String> kept = new LinkedHashMap<>();
    for (String name : List.of(VERSION_HEADER, BETA_HEADER)) {
      String value = headers.get(name);
      if (value != null) {
        kept.put(name, value);
      }
    }
    MessagesRequest request = new MessagesRequest(new LinkedHashMap<>(body), Map.copyOf(kept));
    request.checkThinking(maxTokens);
    return request;
  }

  /**
   * The Messages request an operation is, for a provider's Messages code.
   *
   * @throws IllegalArgumentException when it is another API's operation
   */
  public static MessagesRequest of(Operation operation) {
    if (operation instanceof MessagesRequest messages) {
      return messages;
    }
    throw new IllegalArgumentException("not a Messages API request: " + operation.api());
  }

  private static void requireMessages(Object messages) {
    if (!(messages instanceof List<?> list) || list.isEmpty()) {
      throw RequestRejectedException.invalidRequest(
          "messages", "'messages' must be a non-empty array of messages");
    }
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof Map<?, ?> message)) {
        throw RequestRejectedException.invalidRequest(
            "messages[" + i + "]", "each message must be an object");
      }
      Object content = message.get("content");
      if (!(content instanceof String) && !(content instanceof List<?>)) {
        throw RequestRejectedException.invalidRequest(
            "messages[" + i + "].content",
            "a message's 'content' must be a string or an array of content blocks");
      }
    }
  }

  private void checkThinking(long maxTokens) {
    Object thinking = body.get("thinking");
    if (thinking == null) {
      return;
    }
    if (!(thinking instanceof Map<?, ?> settings)) {
      throw RequestRejectedException.invalidRequest("thinking", "'thinking' must be an object");
    }
    if (settings.get("budget_tokens") == null) {
      return;
    }
    Long budget = BodyFields.wholeNumber(settings.get("budget_tokens"));
    if (budget == null || budget < 1) {
      throw RequestRejectedException.invalidRequest(
          "thinking.budget_tokens", "'thinking.budget_tokens' must be a positive integer");
    }
    if (budget >= maxTokens && !interleavedThinking()) {
      throw RequestRejectedException.invalidRequest(
          "thinking.budget_tokens", "'thinking.budget_tokens' must be less than 'max_tokens'");
    }
  }

  /** Whether the interleaved-thinking beta is on: then a thinking budget may exceed max_tokens. */
  private boolean interleavedThinking() {
    return betas().stream().anyMatch(beta -> beta.startsWith("interleaved-thinking"));
  }

  @Override
  public String api() {
    return MESSAGES;
  }

  @Override
  public Map<String, Object> body() {
    return body;
  }

  /** The API's headers the client sent ({@value #VERSION_HEADER}, {@value #BETA_HEADER}). */
  public Map<String, String> headers() {
    return headers;
  }

  /** The beta features the client asked for, lower case, in order. */
  public List<String> betas() {
    String list = headers.get(BETA_HEADER);
    if (list == null) {
      return List.of();
    }
    return java.util.Arrays.stream(list.split(","))
        .map(beta -> beta.strip().toLowerCase(Locale.ROOT))
        .filter(beta -> !beta.isEmpty())
        .toList();
  }

  @Override
  public String model() {
    return (String) body.get("model");
  }

  @Override
  public boolean stream() {
    return Boolean.TRUE.equals(body.get("stream"));
  }

  /** Always 1: the Messages API answers once per request. */
  @Override
  public int choices() {
    return 1;
  }

  /** {@code max_tokens}: always set, thinking included. */
  @Override
  public Long maxOutputTokens() {
    return BodyFields.integer(body, MAX_TOKENS);
  }

  @Override
  public boolean hasOutputLimit() {
    return true;
  }

  /** Any {@code cache_control} in the request: the upstream may then write the prompt cache. */
  @Override
  public boolean mayWritePromptCache() {
    return mentions(body, "cache_control");
  }

  private static boolean mentions(Object node, String field) {
    if (node instanceof Map<?, ?> map) {
      if (map.containsKey(field)) {
        return true;
      }
      for (Object value : map.values()) {
        if (mentions(value, field)) {
          return true;
        }
      }
    } else if (node instanceof List<?> list) {
      for (Object value : list) {
        if (mentions(value, field)) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public MessagesRequest withModel(String model) {
    return with("model", Objects.requireNonNull(model, "model"));
  }

  /**
   * Sets {@code max_tokens}. A thinking budget that would no longer fit below it is lowered to
   * {@code tokens - 1} when that is still a valid budget (at least 1,024); below that the request
   * keeps its budget and the upstream refuses it (a 400, refunded): Pouch never drops the client's
   * thinking silently.
   */
  @Override
  public MessagesRequest withMaxOutputTokens(long tokens) {
    Map<String, Object> edited = BodyFields.with(body, MAX_TOKENS, tokens);
    if (edited.get("thinking") instanceof Map<?, ?> thinking && !interleavedThinking()) {
      Long budget = BodyFields.wholeNumber(thinking.get("budget_tokens"));
      if (budget != null && budget >= tokens && tokens - 1 >= MIN_THINKING_BUDGET) {
        Map<String, Object> lowered = new LinkedHashMap<>();
        thinking.forEach((key, value) -> lowered.put(String.valueOf(key), value));
        lowered.put("budget_tokens", tokens - 1);
        edited.put("thinking", lowered);
      }
    }
    return new MessagesRequest(edited, headers);
  }

  /** A copy with one top-level field set (or removed when {@code value} is null). */
  public MessagesRequest with(String field, Object value) {
    return new MessagesRequest(BodyFields.with(body, field, value), headers);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof MessagesRequest that
        && body.equals(that.body)
        && headers.equals(that.headers);
  }

  @Override
  public int hashCode() {
    return body.hashCode() * 31 + headers.hashCode();
  }

  @Override
  public String toString() {
    return "MessagesRequest[model=" + model() + ", stream=" + stream() + "]";
  }
}
