package dev.pouch.domain.bill;

import java.util.List;
import java.util.Objects;

/** What a provider's bill for a day range came to: its lines, or why there are none. */
public sealed interface BillReport {

  /** The provider's lines, in no particular order. */
  record Billed(List<BilledLine> lines) implements BillReport {
    public Billed {
      lines = List.copyOf(lines);
    }
  }

  /**
   * The provider publishes no bill here, or Pouch was given no way to read it (no admin key).
   *
   * @param reason for an operator, e.g. "no admin key: set POUCH_OPENAI_ADMIN_KEY"
   */
  record Unavailable(String reason) implements BillReport {
    public Unavailable {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * Reading the bill failed: the provider's API answered with an error, could not be reached, or
   * answered in a shape Pouch does not read.
   *
   * @param status the provider's HTTP status, or 0 when it gave none
   * @param detail for an operator (never a secret)
   */
  record Failed(int status, String detail) implements BillReport {
    public Failed {
      Objects.requireNonNull(detail, "detail");
    }
  }
}
