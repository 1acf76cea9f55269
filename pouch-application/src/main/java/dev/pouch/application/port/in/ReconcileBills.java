package dev.pouch.application.port.in;

import java.time.LocalDate;

/** Sets the ledger beside each provider's own bill, per UTC day and model (the admin's view). */
public interface ReconcileBills {

  /** The longest day range one call reads (each provider is asked for every day of it). */
  int MAX_DAYS = 31;

  /**
   * The ledger and the bills from the start of {@code from} to the end of {@code to} (UTC days,
   * both inclusive). A provider whose bill is unavailable or failed says so in its own section.
   *
   * @param providerId one provider, or every provider with a bill when null
   * @throws IllegalArgumentException when {@code to} is before {@code from}, the range is longer
   *     than {@link #MAX_DAYS}, or no bill has {@code providerId}
   */
  Reconciliation reconcile(LocalDate from, LocalDate to, String providerId);
}
