package dev.pouch.adapters.openai;

import dev.pouch.domain.provider.CompletionRequest;
import java.util.List;
import java.util.Map;

/**
 * Bounds of the prompt tokens a legacy completions request is billed for. Each prompt is billed
 * with its {@code suffix} (the text after the insertion), nothing else: a text prompt is counted in
 * the model's encoding (its UTF-8 bytes for a quick bound, or for a model whose tokenizer Pouch
 * does not know: byte-level BPE never makes more tokens than bytes), a token array is its length,
 * and each prompt gets {@link #PER_PROMPT_ALLOWANCE} tokens for what a server adds around it (a BOS
 * token, the fill-in-the-middle markers a suffix brings). An extra field an admin allows is bounded
 * by the bytes of its JSON once per prompt, as if the server rendered it into every prompt.
 */
final class CompletionPrompts {
  /**
   * Tokens a server may add around one prompt (BOS, three fill-in-the-middle markers), rounded up.
   */
  static final long PER_PROMPT_ALLOWANCE = 4;

  private final TokenCounter tokens;

  CompletionPrompts(TokenCounter tokens) {
    this.tokens = tokens;
  }

  /** An upper bound of the prompt tokens, tokenized in the model's encoding. */
  long bound(CompletionRequest request, PricedModel modelOrNull) {
    return bound(request, modelOrNull == null ? TokenEncoding.BYTES : modelOrNull.encoding());
  }

  /** A cheap upper bound: every text as its UTF-8 bytes (never below {@link #bound}). */
  long quickBound(CompletionRequest request) {
    return bound(request, TokenEncoding.BYTES);
  }

  private long bound(CompletionRequest request, TokenEncoding encoding) {
    long suffix =
        request.body().get("suffix") instanceof String text ? tokens.count(text, encoding) : 0;
    long perPrompt = add(suffix, add(PER_PROMPT_ALLOWANCE, extraFields(request)));
    long total = 0;
    for (Object prompt : request.prompts()) {
      long own =
          prompt instanceof String text ? tokens.count(text, encoding) : ((List<?>) prompt).size();
      total = add(total, add(own, perPrompt));
    }
    return total;
  }

  /**
   * A cheap lower bound: a token array's length, and one token per non-empty text prompt. Usage
   * reported below it cannot be true.
   */
  long atLeast(CompletionRequest request) {
    long total = 0;
    for (Object prompt : request.prompts()) {
      if (prompt instanceof String text) {
        total += text.isEmpty() ? 0 : 1;
      } else {
        total += ((List<?>) prompt).size();
      }
    }
    return total;
  }

  private static long extraFields(CompletionRequest request) {
    long bytes = 0;
    for (Map.Entry<String, Object> field : request.body().entrySet()) {
      if (field.getValue() != null && CompletionFields.isExtra(field.getKey())) {
        bytes = add(bytes, TokenCounter.jsonBytes(field.getValue()));
      }
    }
    return bytes;
  }

  /** Adds without wrapping: a saturated count is still an upper bound. */
  private static long add(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
