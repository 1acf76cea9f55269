package dev.pouch.domain.budget;

/**
 * What Pouch itself knows of the output tokens an upstream produced for one request, apart from any
 * usage it reported: a lower bound (the tokens relayed) and an upper bound ({@link Long#MAX_VALUE}
 * when Pouch has none, the usual case).
 *
 * @param atLeast output tokens produced at least; never more than the truth
 * @param atMost output tokens produced at most; never less than the truth
 */
public record Produced(long atLeast, long atMost) {
  /** Nothing known: at least none, at most anything. */
  public static final Produced UNKNOWN = new Produced(0, Long.MAX_VALUE);

  public Produced {
    atLeast = Math.max(0, atLeast);
    atMost = Math.max(atLeast, atMost);
  }

  /** A lower bound and no upper bound. */
  public static Produced atLeast(long tokens) {
    return new Produced(tokens, Long.MAX_VALUE);
  }

  /** Whether an upper bound is known. */
  public boolean bounded() {
    return atMost != Long.MAX_VALUE;
  }
}
