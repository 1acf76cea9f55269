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
   * What a count that is not a whole, non-negative number stands for (missing, null, negative,
   * fractional, text, or beyond a long): more tokens than any request can bill, so settlement finds
   * the usage implausible and charges the full reservation instead of trusting it.
   */
  static final long MALFORMED = Long.MAX_VALUE;

  /**
   * The names of a usage object's fields in one API: chat completions' {@code prompt_tokens}, the
   * Responses API's {@code input_tokens} and so on. The billing meaning is the same: the prompt
   * includes its cached part, the output includes its reasoning.
   */
  record UsageFields(String prompt, String output, String promptDetails, String outputDetails) {
    static final UsageFields CHAT =
        new UsageFields(
            "prompt_tokens",
            "completion_tokens",
            "prompt_tokens_details",
            "completion_tokens_details");
    static final UsageFields RESPONSES =
        new UsageFields(
            "input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details");
  }

  /** Chat completions' usage: see {@link #reported(JsonNode, UsageFields)}. */
  static Optional<Usage> reported(JsonNode usage) {
    return reported(usage, UsageFields.CHAT);
  }

  /**
   * Usage as the upstream reported it, when it sent a {@code usage} object: prompt tokens (cached
   * ones included, billed at the cached price) and completion tokens (reasoning included: it is
   * output). Counts are taken as they are, never clamped or rounded: one that is malformed reads as
   * {@link #MALFORMED}, and a cached count above the prompt stays above it, so that settlement sees
   * the usage cannot be true.
   */
  static Optional<Usage> reported(JsonNode usage, UsageFields fields) {
    if (usage == null || !usage.isObject()) {
      return Optional.empty();
    }
    long prompt = count(usage.get(fields.prompt()));
    long completion = count(usage.get(fields.output()));
    if (!consistent(usage, fields, prompt, completion)) {
      completion = MALFORMED;
    }
    JsonNode details = usage.get(fields.promptDetails());
    long cached = 0;
    if (details != null && !details.isNull()) {
      JsonNode cachedTokens = details.isObject() ? details.get("cached_tokens") : details;
      cached = cachedTokens == null || cachedTokens.isNull() ? 0 : count(cachedTokens);
    }
    return Optional.of(new Usage(prompt, cached, completion, UsageSource.REPORTED));
  }

  /**
   * Whether the parts agree: a total, when given, is prompt + completion, and the reasoning tokens
   * are part of the completion. Usage whose parts disagree cannot all be true.
   */
  private static boolean consistent(
      JsonNode usage, UsageFields fields, long prompt, long completion) {
    if (prompt == MALFORMED || completion == MALFORMED) {
      return true; // already implausible
    }
    JsonNode total = usage.get("total_tokens");
    if (total != null && !total.isNull() && count(total) != prompt + completion) {
      return false;
    }
    JsonNode reasoning = usage.path(fields.outputDetails()).get("reasoning_tokens");
    return reasoning == null || reasoning.isNull() || count(reasoning) <= completion;
  }

  /** A reported token count, or {@link #MALFORMED} unless it is a whole number from 0. */
  private static long count(JsonNode value) {
    if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
      return MALFORMED;
    }
    long count = value.asLong();
    return count < 0 ? MALFORMED : count;
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
