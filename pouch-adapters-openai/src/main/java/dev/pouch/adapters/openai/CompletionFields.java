package dev.pouch.adapters.openai;

import dev.pouch.domain.provider.CompletionRequest;
import dev.pouch.domain.provider.UnpricedField;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What each top-level field of a legacy completions request means for the bill, as {@link
 * ChatFields} says for chat: bounded (in the reservation), neutral (documented, no billed token),
 * or unknown: refused on a key with a budget unless the key's provider lists it in {@code
 * extra_fields}, then bounded by its bytes in every prompt ({@link CompletionPrompts}). Beam search
 * generates more sequences than it returns and stays refused.
 */
final class CompletionFields {
  /** Fields in the reservation: the prompt bound, the output cap, the answers billed. */
  static final Set<String> BOUNDED =
      Set.of(
          "model",
          "prompt",
          "suffix",
          "echo",
          "n",
          "best_of",
          "max_tokens",
          "stream",
          "stream_options");

  /** Documented fields that add no billed token. */
  static final Set<String> NEUTRAL =
      Set.of(
          "temperature",
          "top_p",
          "logprobs",
          "logit_bias",
          "frequency_penalty",
          "presence_penalty",
          "seed",
          "stop",
          "user");

  private static final Set<String> NEVER_BOUNDED = Set.of("use_beam_search");

  private CompletionFields() {}

  /** Whether the field is neither bounded nor neutral: its bytes go into the prompt bound. */
  static boolean isExtra(String field) {
    return !BOUNDED.contains(field) && !NEUTRAL.contains(field);
  }

  /** The first field whose billed tokens cannot be bounded, given the extras the key allows. */
  static Optional<UnpricedField> unpriced(CompletionRequest request, Set<String> allowedExtras) {
    for (Map.Entry<String, Object> entry : request.body().entrySet()) {
      String field = entry.getKey();
      if (entry.getValue() == null || !isExtra(field)) {
        continue;
      }
      if (NEVER_BOUNDED.contains(field)) {
        return Optional.of(
            new UnpricedField(
                field,
                "'"
                    + field
                    + "' can make the upstream bill any number of tokens; Pouch cannot"
                    + " bound it."));
      }
      if (!allowedExtras.contains(field)) {
        return Optional.of(
            new UnpricedField(
                field,
                "'"
                    + field
                    + "' is not a completions field whose cost Pouch knows how to bound. An admin"
                    + " can allow it in the provider's extra_fields setting."));
      }
    }
    return Optional.empty();
  }
}
