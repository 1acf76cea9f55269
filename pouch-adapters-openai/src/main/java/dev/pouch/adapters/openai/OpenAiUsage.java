package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import java.util.List;
import java.util.Optional;

/** Reading OpenAI's {@code usage} objects, and counting output when there is none. */
final class OpenAiUsage {
  /** The text fields of a message or delta that hold generated output. */
  static final List<String> OUTPUT_FIELDS =
      List.of("content", "refusal", "reasoning_content", "reasoning");

  private OpenAiUsage() {}

  /**
   * Usage as the upstream reported it: prompt tokens (cached ones included, billed at the cached
   * price) and completion tokens (reasoning included: it is output).
   */
  static Optional<Usage> reported(JsonNode usage) {
    if (usage == null || !usage.isObject() || !usage.path("prompt_tokens").canConvertToLong()) {
      return Optional.empty();
    }
    long prompt = Math.max(0, usage.path("prompt_tokens").asLong());
    long completion = Math.max(0, usage.path("completion_tokens").asLong());
    long cached =
        Math.min(
            prompt,
            Math.max(0, usage.path("prompt_tokens_details").path("cached_tokens").asLong()));
    return Optional.of(new Usage(prompt, cached, completion, UsageSource.REPORTED));
  }

  /**
   * Tokens of the generated parts of a message or a stream delta: content, refusal, reasoning text
   * some compatible servers stream, and tool-call names and arguments.
   */
  static long outputTokens(JsonNode message, TokenCounter tokens, TokenEncoding encoding) {
    long count = 0;
    for (String field : OUTPUT_FIELDS) {
      JsonNode text = message.path(field);
      if (text.isTextual()) {
        count += tokens.count(text.asText(), encoding);
      }
    }
    for (JsonNode call : message.path("tool_calls")) {
      JsonNode function = call.path("function");
      count += tokens.count(function.path("name").asText(""), encoding);
      count += tokens.count(function.path("arguments").asText(""), encoding);
    }
    return count;
  }
}
