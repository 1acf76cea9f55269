package dev.pouch.domain.provider;

import java.util.Objects;

/**
 * A request field whose billed tokens a provider cannot bound or price.
 *
 * @param field the field's path in the request, e.g. {@code audio} or {@code messages[2].content}
 * @param reason why, for the client's error message
 */
public record UnpricedField(String field, String reason) {
  public UnpricedField {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(reason, "reason");
  }
}
