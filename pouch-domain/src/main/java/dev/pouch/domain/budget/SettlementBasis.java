package dev.pouch.domain.budget;

/** How a reservation's final cost was determined; recorded with every settlement. */
public enum SettlementBasis {
  /** From the usage the upstream reported. */
  USAGE_REPORTED,
  /** From Pouch's own token count (the upstream sent no usage). */
  COUNTED,
  /** The upstream went past the reserved output and the answer was cut at the cap. */
  CAPPED,
  /** Nothing was served (upstream error, refusal): the whole reservation went back. */
  REFUNDED,
  /**
   * Usage unknown (broken stream, disconnect before any usage): charged at the full reservation.
   */
  FULL_RESERVATION,
  /**
   * Pouch cancelled a stream that was still going (the client left) and the upstream reported no
   * usage: charged the prompt's bound and the output relayed plus a margin for what the upstream
   * produced until it noticed (G6), never above the reservation.
   */
  CLIENT_CLOSED,
  /** Found open at start-up after a crash: charged at the full reservation. */
  RECOVERED,
  /**
   * The upstream reported usage that cannot be true (malformed, or beyond what the request could
   * physically bill): charged at the full reservation, or at Pouch's own count if that is higher.
   */
  IMPLAUSIBLE_USAGE;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
