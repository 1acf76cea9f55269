package dev.pouch.application.port.out;

import java.util.Locale;

/**
 * When a reservation's commit reaches the disk, as the operator chose it for a store ({@code
 * --reservation-sync}, ARCHITECTURE D40). Either way the reservation is committed, visible to every
 * other writer and counted by the budget rule before {@link BudgetLedger#take} returns, so it never
 * changes what is reserved or charged: only which crash can undo it.
 */
public enum ReservationSync {
  /** On disk before {@link BudgetLedger#take} returns: survives a power loss (G3, the default). */
  NOW,
  /**
   * Committed before {@link BudgetLedger#take} returns, on disk with the next synced commit:
   * survives a crash of Pouch ({@code kill -9}), not a power loss, an OS crash or (PostgreSQL) a
   * crash of the database server, which may undo the latest reservations of requests already sent
   * upstream.
   */
  LATER;

  /** The setting's value: {@code now} or {@code later}. */
  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The mode a setting names.
   *
   * @throws IllegalArgumentException for anything but {@code now} or {@code later}
   */
  public static ReservationSync parse(String value) {
    for (ReservationSync sync : values()) {
      if (sync.value().equals(value)) {
        return sync;
      }
    }
    throw new IllegalArgumentException("must be now or later, got '" + value + "'");
  }
}
