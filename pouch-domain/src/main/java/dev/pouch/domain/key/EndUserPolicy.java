package dev.pouch.domain.key;

import dev.pouch.domain.budget.BudgetTerms;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How a key treats the end users its requests name: where it reads the end user's id, whether a
 * request must name one, and the budgets each distinct end user gets inside the key.
 *
 * @param source where the key reads the end user's id (it ignores the others)
 * @param required whether a request without an end-user id is refused
 * @param budgets the terms of each end user's budgets, in order (0 to {@link
 *     BudgetTerms#MAX_PER_OWNER}); empty: the id is recorded on the request log but budgets nothing
 */
public record EndUserPolicy(Source source, boolean required, List<BudgetTerms> budgets) {
  /** The request header that names the end user when the source is {@link Source#HEADER}. */
  public static final String HEADER = "x-pouch-end-user";

  /** Where the end user's id is read. */
  public enum Source {
    /**
     * OpenAI's {@code user} body field (chat, completions, embeddings, Responses); on Anthropic's
     * Messages API, {@code metadata.user_id}.
     */
    USER,
    /**
     * OpenAI's {@code safety_identifier} body field; on the Messages API, {@code metadata.user_id}.
     */
    SAFETY_IDENTIFIER,
    /** The {@value EndUserPolicy#HEADER} request header, on every API. */
    HEADER;

    /** The source's name in JSON: {@code user}, {@code safety_identifier}, {@code header}. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The source of a wire name, if it is one. */
    public static Optional<Source> ofWire(String name) {
      for (Source source : values()) {
        if (source.wireName().equals(name)) {
          return Optional.of(source);
        }
      }
      return Optional.empty();
    }
  }

  public EndUserPolicy {
    Objects.requireNonNull(source, "source");
    budgets = List.copyOf(budgets);
    if (budgets.size() > BudgetTerms.MAX_PER_OWNER) {
      throw new IllegalArgumentException("at most " + BudgetTerms.MAX_PER_OWNER + " budgets");
    }
  }
}
