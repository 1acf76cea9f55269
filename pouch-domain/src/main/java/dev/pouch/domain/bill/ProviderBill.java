package dev.pouch.domain.bill;

import dev.pouch.domain.plugin.PluginConfig;
import java.time.LocalDate;

/**
 * Reads a provider's own cost and usage report: the port a provider adapter implements when the
 * provider has a billing API. Implementations are thread-safe and never throw: a failure is a
 * {@link BillReport.Failed}.
 */
public interface ProviderBill {

  /** The provider id whose keys' spend this bill covers ({@code openai}, {@code anthropic}). */
  String providerId();

  /** The bill from the start of {@code from} to the end of {@code to}, UTC days, both inclusive. */
  BillReport fetch(LocalDate from, LocalDate to);

  /**
   * Whether the bill covers the requests of a key whose provider ({@link #providerId()}) has this
   * config: false for a key sent to another account or host (a preset, an own base URL), whose
   * spend this bill never shows. All keys by default.
   */
  default boolean covers(PluginConfig config) {
    return true;
  }
}
