package dev.pouch.domain.budget;

/** Where a request's token counts came from. */
public enum UsageSource {
  /** The upstream reported usage (JSON {@code usage} or the stream's usage chunk). */
  REPORTED,
  /** Pouch counted the tokens itself because the upstream did not report them. */
  COUNTED,
  /** Nothing is known (for example a broken stream before any chunk): charge the reservation. */
  UNKNOWN
}
