package dev.pouch.adapters.openai;

import dev.pouch.domain.provider.ResponsesRequest;
import dev.pouch.domain.provider.UnpricedField;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What each field of a Responses API request means for the bill, as {@link ChatFields} does for
 * chat completions: bounded in the reservation, neutral, or refused on a key with a budget because
 * Pouch cannot bound or price it in this slice:
 *
 * <ul>
 *   <li>{@code conversation}, {@code prompt}: context stored at OpenAI, billed as input, that Pouch
 *       cannot see (a conversation grows with every request of any client that uses it, not only
 *       through Pouch, so no record of Pouch's bounds it);
 *   <li>built-in tools ({@code web_search*}, {@code file_search}, {@code code_interpreter}, {@code
 *       image_generation}, {@code computer_use*}, {@code mcp} …: any tool whose type is not {@code
 *       function} or {@code custom}): per-call fees and tokens they add;
 *   <li>{@code background: true}: a reservation would have to last until Pouch polls the answer;
 *   <li>input items that refer to stored items ({@code item_reference}) or are not text (audio,
 *       built-in tool calls and their outputs), and audio content parts;
 *   <li>any field Pouch does not know, unless the key's provider lists it in {@code extra_fields}
 *       (then bounded by the bytes of its JSON).
 * </ul>
 *
 * {@code previous_response_id} is bounded by the core, by the context Pouch recorded when it served
 * that response (and refused when it did not). A {@code reasoning} setting is bounded: reasoning
 * tokens are output, limited by {@code max_output_tokens}. Keys without a budget pass everything
 * through.
 */
final class ResponsesFields {
  /** Fields in the reservation: the prompt bound and the output limit. */
  static final Set<String> BOUNDED =
      Set.of(
          "model",
          "input",
          "instructions",
          "max_output_tokens",
          "stream",
          "tools",
          "tool_choice",
          "text",
          "reasoning",
          "service_tier",
          "previous_response_id");

  /** Documented fields that add no billed token Pouch does not bound. */
  static final Set<String> NEUTRAL =
      Set.of(
          "temperature",
          "top_p",
          "top_logprobs",
          "user",
          "safety_identifier",
          "prompt_cache_key",
          "prompt_cache_retention",
          "metadata",
          "store",
          "parallel_tool_calls",
          "truncation",
          "include",
          "max_tool_calls",
          "stream_options",
          "background");

  /** Input item types whose every billed token is text Pouch counts. */
  private static final Set<String> TEXT_ITEMS =
      Set.of(
          "message",
          "function_call",
          "function_call_output",
          "custom_tool_call",
          "custom_tool_call_output",
          "reasoning");

  private static final Set<String> PRICED_TOOLS = Set.of("function", "custom");

  private static final String STORED_CONTEXT =
      "is context stored upstream, billed as input, which Pouch cannot see to bound; send the"
          + " conversation as input items instead.";

  private ResponsesFields() {}

  /** Whether the field is neither bounded nor neutral: its bytes go into the prompt bound. */
  static boolean isExtra(String field) {
    return !BOUNDED.contains(field) && !NEUTRAL.contains(field);
  }

  /** The first field Pouch cannot bound or price, given the extra fields the key allows. */
  static Optional<UnpricedField> unpriced(ResponsesRequest request, Set<String> allowedExtras) {
    for (Map.Entry<String, Object> entry : request.body().entrySet()) {
      Optional<UnpricedField> found = topLevel(entry.getKey(), entry.getValue(), allowedExtras);
      if (found.isPresent()) {
        return found;
      }
    }
    if (request.body().get("tools") instanceof List<?> tools) {
      for (int i = 0; i < tools.size(); i++) {
        Object type = tools.get(i) instanceof Map<?, ?> tool ? tool.get("type") : null;
        if (!PRICED_TOOLS.contains(type)) {
          return Optional.of(
              new UnpricedField(
                  "tools[" + i + "]",
                  "The built-in tool '"
                      + type
                      + "' is billed per call and for what it adds to the context, which Pouch"
                      + " cannot bound; only function and custom tools are served on a key with a"
                      + " budget."));
        }
      }
    }
    if (request.input() instanceof List<?> items) {
      for (int i = 0; i < items.size(); i++) {
        Optional<UnpricedField> found = inputItem(i, (Map<?, ?>) items.get(i));
        if (found.isPresent()) {
          return found;
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<UnpricedField> topLevel(
      String field, Object value, Set<String> allowedExtras) {
    if (value == null) {
      return Optional.empty(); // an explicit null asks for nothing
    }
    switch (field) {
      case "conversation", "prompt":
        return Optional.of(new UnpricedField(field, "'" + field + "' " + STORED_CONTEXT));
      case "background":
        return Boolean.FALSE.equals(value)
            ? Optional.empty()
            : Optional.of(
                new UnpricedField(
                    field,
                    "Background responses are not served on a key with a budget yet: their"
                        + " reservation would have to stay open until the answer is polled."));
      default:
        if (!isExtra(field) || allowedExtras.contains(field)) {
          return Optional.empty();
        }
        return Optional.of(
            new UnpricedField(
                field,
                "'"
                    + field
                    + "' is not a Responses API field whose cost Pouch knows how to bound. An admin"
                    + " can allow it in the provider's extra_fields setting."));
    }
  }

  private static Optional<UnpricedField> inputItem(int index, Map<?, ?> item) {
    Object type = item.get("type");
    if (type == null && item.containsKey("role")) {
      type = "message"; // the easy input message
    }
    String path = "input[" + index + "]";
    if (!TEXT_ITEMS.contains(type)) {
      return Optional.of(
          new UnpricedField(
              path,
              "An input item of type '"
                  + type
                  + "' refers to stored context or is not text, which Pouch cannot bound."));
    }
    for (String field : List.of("content", "output")) {
      if (item.get(field) instanceof List<?> parts) {
        for (int j = 0; j < parts.size(); j++) {
          if (parts.get(j) instanceof Map<?, ?> part && "input_audio".equals(part.get("type"))) {
            return Optional.of(
                new UnpricedField(
                    path + "." + field + "[" + j + "]",
                    "Audio is billed at audio token prices, which Pouch's price table does not"
                        + " hold."));
          }
        }
      }
    }
    return Optional.empty();
  }
}
