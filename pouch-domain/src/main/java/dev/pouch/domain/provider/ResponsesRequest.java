package dev.pouch.domain.provider;

import dev.pouch.domain.error.RequestRejectedException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A request to OpenAI's Responses API ({@code POST /v1/responses}) as a JSON tree, so fields Pouch
 * does not know pass through untouched. The fields Pouch acts on are checked once, in {@link #of}:
 * {@code model}, {@code input} (a string, or an array of input items, each an object; a message's
 * {@code content} a string or an array of content parts, each an object), {@code instructions},
 * {@code stream} and {@code max_output_tokens}, the one output limit (the API has no {@code n}: one
 * answer per request). Edits return a new request.
 */
public final class ResponsesRequest implements Operation {
  static final String MAX_OUTPUT_TOKENS = "max_output_tokens";

  /** The field naming the stored response a request continues. */
  public static final String PREVIOUS_RESPONSE_ID = "previous_response_id";

  private final Map<String, Object> body;

  private ResponsesRequest(Map<String, Object> body) {
    this.body = Collections.unmodifiableMap(body);
  }

  /**
   * Checks the fields Pouch relies on and wraps the body.
   *
   * @throws RequestRejectedException {@code INVALID_REQUEST} naming the field at fault
   */
  public static ResponsesRequest of(Map<String, Object> body) {
    Objects.requireNonNull(body, "body");
    BodyFields.requireModel(body);
    requireInput(body.get("input"));
    Object instructions = body.get("instructions");
    if (instructions != null && !(instructions instanceof String)) {
      throw RequestRejectedException.invalidRequest(
          "instructions", "'instructions' must be a string");
    }
    BodyFields.optionalBoolean(body, "stream");
    BodyFields.positiveInteger(body, MAX_OUTPUT_TOKENS, Long.MAX_VALUE);
    Object previous = body.get(PREVIOUS_RESPONSE_ID);
    if (previous != null && !(previous instanceof String id && !id.isEmpty())) {
      throw RequestRejectedException.invalidRequest(
          PREVIOUS_RESPONSE_ID, "'previous_response_id' must be a non-empty string");
    }
    return new ResponsesRequest(new LinkedHashMap<>(body));
  }

  /**
   * The Responses request an operation is, for a provider's Responses code.
   *
   * @throws IllegalArgumentException when it is another API's operation (the core asks {@link
   *     Provider#serves} first, so this is a bug)
   */
  public static ResponsesRequest of(Operation operation) {
    if (operation instanceof ResponsesRequest responses) {
      return responses;
    }
    throw new IllegalArgumentException("not a Responses API request: " + operation.api());
  }

  /**
   * {@code input} may be absent (a request that continues a stored response or a conversation, or
   * uses a stored prompt); when present it is text or a list of items.
   */
  private static void requireInput(Object input) {
    if (input == null || input instanceof String) {
      return;
    }
    if (!(input instanceof List<?> items)) {
      throw RequestRejectedException.invalidRequest(
          "input", "'input' must be a string or an array of input items");
    }
    for (int i = 0; i < items.size(); i++) {
      if (!(items.get(i) instanceof Map<?, ?> item)) {
        throw RequestRejectedException.invalidRequest(
            "input[" + i + "]", "each entry of 'input' must be an object");
      }
      Object content = item.get("content");
      if (content == null || content instanceof String) {
        continue;
      }
      if (!(content instanceof List<?> parts)) {
        throw RequestRejectedException.invalidRequest(
            "input[" + i + "].content",
            "an input item's 'content' must be a string or an array of content parts");
      }
      for (Object part : parts) {
        if (!(part instanceof Map<?, ?>)) {
          throw RequestRejectedException.invalidRequest(
              "input[" + i + "].content", "each content part must be an object");
        }
      }
    }
  }

  @Override
  public String api() {
    return RESPONSES;
  }

  @Override
  public Map<String, Object> body() {
    return body;
  }

  @Override
  public String model() {
    return (String) body.get("model");
  }

  /** The input: a string, a list of items (each an object), or {@code null}. */
  public Object input() {
    return body.get("input");
  }

  /** {@code previous_response_id}: the stored response this request continues, if any. */
  @Override
  public Optional<String> continues() {
    return Optional.ofNullable((String) body.get(PREVIOUS_RESPONSE_ID));
  }

  /**
   * Whether the upstream stores the answer for a later request to continue ({@code store} is not
   * {@code false}: OpenAI stores by default).
   */
  public boolean stored() {
    return !Boolean.FALSE.equals(body.get("store"));
  }

  /** The system instructions, or {@code null}. */
  public String instructions() {
    return (String) body.get("instructions");
  }

  @Override
  public boolean stream() {
    return Boolean.TRUE.equals(body.get("stream"));
  }

  /** Always 1: the Responses API answers once per request. */
  @Override
  public int choices() {
    return 1;
  }

  /** {@code max_output_tokens}, or {@code null}. */
  @Override
  public Long maxOutputTokens() {
    return BodyFields.integer(body, MAX_OUTPUT_TOKENS);
  }

  @Override
  public boolean hasOutputLimit() {
    return body.get(MAX_OUTPUT_TOKENS) != null;
  }

  @Override
  public ResponsesRequest withModel(String model) {
    return with("model", Objects.requireNonNull(model, "model"));
  }

  @Override
  public ResponsesRequest withMaxOutputTokens(long tokens) {
    return with(MAX_OUTPUT_TOKENS, tokens);
  }

  /** A copy with one top-level field set (or removed when {@code value} is null). */
  public ResponsesRequest with(String field, Object value) {
    return new ResponsesRequest(BodyFields.with(body, field, value));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ResponsesRequest that && body.equals(that.body);
  }

  @Override
  public int hashCode() {
    return body.hashCode();
  }

  @Override
  public String toString() {
    return "ResponsesRequest[model=" + model() + ", stream=" + stream() + "]";
  }
}
