package dev.pouch.application.port.in;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * When a difference between the ledger and a provider's bill is flagged: it exceeds {@code percent}
 * of the ledger's amount and {@code minMicros} both (the floor keeps a few micro-dollars of
 * rounding on a tiny day from being flagged).
 *
 * @param percent the largest tolerated drift, in percent of the ledger's amount (0 to 100)
 * @param minMicros the largest difference never flagged, in micro-dollars
 */
public record DriftThreshold(BigDecimal percent, long minMicros) {

  /** 2 % and one cent. */
  public static final DriftThreshold DEFAULT = new DriftThreshold(new BigDecimal("2"), 10_000);

  public DriftThreshold {
    Objects.requireNonNull(percent, "percent");
    if (percent.signum() < 0 || percent.compareTo(BigDecimal.valueOf(100)) > 0) {
      throw new IllegalArgumentException("the drift percent must be 0 to 100");
    }
    if (minMicros < 0) {
      throw new IllegalArgumentException("the drift floor cannot be negative");
    }
  }

  /** Whether a bill of {@code providerMicros} against a ledger of {@code ledgerMicros} drifted. */
  public boolean exceeded(long ledgerMicros, long providerMicros) {
    BigDecimal difference = BigDecimal.valueOf(providerMicros - ledgerMicros).abs();
    if (difference.compareTo(BigDecimal.valueOf(minMicros)) <= 0) {
      return false;
    }
    // difference / ledger > percent / 100, without dividing (the ledger may be 0)
    return difference
            .multiply(BigDecimal.valueOf(100))
            .compareTo(percent.multiply(BigDecimal.valueOf(ledgerMicros)))
        > 0;
  }
}
