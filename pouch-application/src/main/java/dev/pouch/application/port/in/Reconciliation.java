package dev.pouch.application.port.in;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;

/**
 * The ledger beside each provider's bill for a day range.
 *
 * @param from first UTC day
 * @param to last UTC day (inclusive)
 * @param threshold when a drift is flagged
 * @param providers one section per provider asked, in a stable order
 * @param unattributedMicros ledger spend of keys no longer live (deleted), whose provider Pouch can
 *     no longer tell, over the range
 */
public record Reconciliation(
    LocalDate from,
    LocalDate to,
    DriftThreshold threshold,
    List<ProviderSection> providers,
    long unattributedMicros) {
  public Reconciliation {
    providers = List.copyOf(providers);
  }

  /** Whether the provider's bill could be read. */
  public enum Availability {
    /** The bill was read: {@link ProviderSection#days()} compares it with the ledger. */
    AVAILABLE,
    /** The provider has no bill to read here (no admin key); not an error. */
    UNAVAILABLE,
    /** The provider's billing API failed or answered in a shape Pouch does not read. */
    FAILED
  }

  /**
   * One provider's comparison.
   *
   * @param provider the provider id
   * @param availability whether its bill was read
   * @param reason why not (unavailable or failed), else {@code null}
   * @param upstreamStatus the billing API's HTTP status when it failed with one, else 0
   * @param days one row per day of the range, oldest first (empty unless available)
   */
  public record ProviderSection(
      String provider,
      Availability availability,
      String reason,
      int upstreamStatus,
      List<DayRow> days) {
    public ProviderSection {
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(availability, "availability");
      days = List.copyOf(days);
    }

    /** Whether any day or model of this provider drifted past the threshold. */
    public boolean flagged() {
      return days.stream()
          .anyMatch(
              d -> d.total().flagged() || d.models().stream().anyMatch(m -> m.cost().flagged()));
    }
  }

  /**
   * One day: the totals, then each model either side knows.
   *
   * @param day the UTC day
   * @param total every model's cost, the provider's unattributed cost included
   * @param models per model, by name
   */
  public record DayRow(LocalDate day, Drift total, List<ModelRow> models) {
    public DayRow {
      models = List.copyOf(models);
    }
  }

  /**
   * One model on one day.
   *
   * @param model the model as the request log and the provider name it ({@code null}: the
   *     provider's cost attributed to no model)
   * @param cost ledger and provider cost
   * @param ledgerRequests requests in the request log
   * @param ledgerPromptTokens prompt tokens Pouch billed
   * @param ledgerCompletionTokens output tokens Pouch billed
   * @param providerInputTokens input tokens the provider counted
   * @param providerOutputTokens output tokens the provider counted
   */
  public record ModelRow(
      String model,
      Drift cost,
      long ledgerRequests,
      long ledgerPromptTokens,
      long ledgerCompletionTokens,
      long providerInputTokens,
      long providerOutputTokens) {}

  /**
   * The ledger's amount beside the provider's.
   *
   * @param ledgerMicros what Pouch charged
   * @param providerMicros what the provider billed
   * @param flagged whether the difference exceeds the threshold
   */
  public record Drift(long ledgerMicros, long providerMicros, boolean flagged) {

    /** The provider's amount minus the ledger's: positive when the provider billed more. */
    public long differenceMicros() {
      return Math.subtractExact(providerMicros, ledgerMicros);
    }

    /**
     * The difference as a share of the ledger's amount (0.05 = 5 %), to six significant digits, or
     * {@code null} when the ledger has nothing to compare with.
     */
    public BigDecimal ratio() {
      if (ledgerMicros == 0) {
        return null;
      }
      return BigDecimal.valueOf(differenceMicros())
          .divide(BigDecimal.valueOf(ledgerMicros), new MathContext(6))
          .stripTrailingZeros();
    }
  }
}
