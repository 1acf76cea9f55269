package dev.pouch.adapters.openai;

import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.UnpricedField;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What each top-level field of a chat-completions request means for the bill, so that nothing a
 * client sends can make the upstream bill tokens the reservation does not cover
 * (FINANCIAL_SAFETY.md "Request fields"). Every field is one of:
 *
 * <ul>
 *   <li><b>bounded</b>: in the reservation ({@link TokenCounter} bounds the prompt's fields, {@code
 *       max_tokens} and {@code n} the output, a {@code prediction} is reserved as output);
 *   <li><b>neutral</b>: OpenAI documents it and it adds no billed token (sampling, logging, cache
 *       keys, stop sequences);
 *   <li><b>unpriced</b>: billed at prices the table does not hold (audio, web search): refused on a
 *       key with a budget;
 *   <li><b>unknown</b>: anything else, such as a server's own extensions (vLLM's {@code documents},
 *       {@code guided_json}, {@code chat_template_kwargs}). Refused on a key with a budget unless
 *       the key's provider lists it in {@code extra_fields}; a listed field is bounded by the bytes
 *       of its JSON in the prompt, as if the server rendered it into the prompt once. A few fields
 *       can never be bounded that way ({@link #NEVER_BOUNDED}) and stay refused.
 * </ul>
 *
 * On a key without a budget nothing is refused: its requests are metered as well as they can be.
 */
final class ChatFields {
  /** Fields in the reservation: the prompt bound, the output cap, the prediction. */
  static final Set<String> BOUNDED =
      Set.of(
          "model",
          "messages",
          "n",
          "max_tokens",
          "max_completion_tokens",
          "stream",
          "stream_options",
          "tools",
          "functions",
          "tool_choice",
          "function_call",
          "response_format",
          "service_tier",
          "prediction");

  /** Documented fields that add no billed token. */
  static final Set<String> NEUTRAL =
      Set.of(
          "temperature",
          "top_p",
          "top_logprobs",
          "logprobs",
          "logit_bias",
          "frequency_penalty",
          "presence_penalty",
          "seed",
          "stop",
          "user",
          "safety_identifier",
          "prompt_cache_key",
          "prompt_cache_retention",
          "metadata",
          "store",
          "parallel_tool_calls",
          "verbosity",
          "reasoning_effort");

  /**
   * Extensions no allowance can bound: a custom chat template can repeat the prompt any number of
   * times, and beam search or {@code best_of} generate more sequences than they return.
   */
  static final Set<String> NEVER_BOUNDED = Set.of("chat_template", "best_of", "use_beam_search");

  private static final String AUDIO =
      "Audio is billed at audio token prices, which Pouch's price table does not hold.";

  private ChatFields() {}

  /** Whether the field is neither bounded nor neutral: its bytes go into the prompt bound. */
  static boolean isExtra(String field) {
    return !BOUNDED.contains(field) && !NEUTRAL.contains(field);
  }

  /**
   * The first field of {@code request} whose billed tokens cannot be bounded or priced, given the
   * extra fields the key's provider allows; empty when there is none.
   */
  static Optional<UnpricedField> unpriced(ChatRequest request, Set<String> allowedExtras) {
    for (Map.Entry<String, Object> entry : request.body().entrySet()) {
      String field = entry.getKey();
      Optional<UnpricedField> found = unpricedTopLevel(field, entry.getValue(), allowedExtras);
      if (found.isPresent()) {
        return found;
      }
    }
    List<?> messages = request.messages();
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.get(i) instanceof Map<?, ?> message)) {
        continue;
      }
      if (message.get("audio") != null) {
        return Optional.of(new UnpricedField("messages[" + i + "].audio", AUDIO));
      }
      if (message.get("content") instanceof List<?> parts) {
        for (int j = 0; j < parts.size(); j++) {
          if (parts.get(j) instanceof Map<?, ?> part && "input_audio".equals(part.get("type"))) {
            return Optional.of(new UnpricedField("messages[" + i + "].content[" + j + "]", AUDIO));
          }
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<UnpricedField> unpricedTopLevel(
      String field, Object value, Set<String> allowedExtras) {
    if (value == null) {
      return Optional.empty(); // an explicit null asks for nothing
    }
    return switch (field) {
      case "audio" -> Optional.of(new UnpricedField(field, AUDIO));
      case "modalities" ->
          value instanceof List<?> list && list.contains("text") && list.size() == 1
              ? Optional.empty()
              : Optional.of(new UnpricedField(field, AUDIO));
      case "web_search_options" ->
          Optional.of(
              new UnpricedField(
                  field,
                  "Web search is billed per call and for the content it adds, which Pouch cannot"
                      + " bound."));
      default -> {
        if (!isExtra(field)) {
          yield Optional.empty();
        }
        if (NEVER_BOUNDED.contains(field)) {
          yield Optional.of(
              new UnpricedField(
                  field,
                  "'"
                      + field
                      + "' can make the upstream bill any number of tokens; Pouch cannot bound"
                      + " it."));
        }
        yield allowedExtras.contains(field)
            ? Optional.empty()
            : Optional.of(
                new UnpricedField(
                    field,
                    "'"
                        + field
                        + "' is not a chat-completions field whose cost Pouch knows how to bound."
                        + " An admin can allow it in the provider's extra_fields setting."));
      }
    };
  }
}
