package dev.pouch.domain.bill;

import java.time.LocalDate;
import java.util.Objects;

/**
 * One line of a provider's bill: what it charged or counted for one UTC day and model. A provider
 * that reports cost and tokens apart gives cost lines (tokens 0) and token lines (cost 0); readers
 * sum lines per day and model.
 *
 * @param day the UTC day
 * @param model the model the provider names, or {@code null} for a cost it does not attribute to a
 *     model
 * @param costMicros what it charged, in micro-dollars
 * @param inputTokens input tokens it counted (cache reads and writes included)
 * @param outputTokens output tokens it counted
 */
public record BilledLine(
    LocalDate day, String model, long costMicros, long inputTokens, long outputTokens) {
  public BilledLine {
    Objects.requireNonNull(day, "day");
    if (costMicros < 0 || inputTokens < 0 || outputTokens < 0) {
      throw new IllegalArgumentException("a billed line cannot be negative");
    }
  }
}
