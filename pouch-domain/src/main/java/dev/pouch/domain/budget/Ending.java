package dev.pouch.domain.budget;

/** How a request's exchange with the upstream ended, as far as its charge is concerned. */
public enum Ending {
  /** The upstream said the answer is complete (a plain answer, or a stream that finished). */
  COMPLETED,
  /**
   * The upstream may have processed the request, but the answer did not finish: it broke off, timed
   * out after the request was sent, failed with a server error, or the client left.
   */
  INTERRUPTED,
  /** Pouch cut the answer at the cap: the upstream went past the output the reservation pays. */
  CAPPED,
  /**
   * The upstream provably did not process the request: it was never sent (connection refused,
   * nothing written), or the upstream refused it with a 4xx error and no tokens.
   */
  NOT_PROCESSED
}
