package dev.pouch.domain.budget;

/** How a request's exchange with the upstream ended, as far as its charge is concerned. */
public enum Ending {
  /** The upstream said the answer is complete (a plain answer, or a stream that finished). */
  COMPLETED,
  /**
   * The upstream may have processed the request, but the answer did not finish: it broke off, timed
   * out after the request was sent, or failed with a server error.
   */
  INTERRUPTED,
  /**
   * Pouch cancelled a stream that was still going: the client left, or a stop cut it. What the
   * upstream produced until it noticed is bounded by {@link Produced#atMost()} when the stream
   * could measure it, else unknown (then charged as interrupted).
   */
  CLIENT_CLOSED,
  /** Pouch cut the answer at the cap: the upstream went past the output the reservation pays. */
  CAPPED,
  /**
   * The upstream provably did not process the request: it was never sent (connection refused,
   * nothing written), or the upstream refused it with a 4xx error and no tokens.
   */
  NOT_PROCESSED
}
