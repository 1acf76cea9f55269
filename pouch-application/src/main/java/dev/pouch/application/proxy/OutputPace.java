package dev.pouch.application.proxy;

import dev.pouch.domain.budget.Produced;

/**
 * The pace at which a stream's output arrived, to bound what the upstream produced when Pouch
 * cancels it (G6): the output relayed, plus a margin for what the upstream produced until it
 * noticed the cancel. The margin is {@code floor + 2 × pace × (time since the last output + the
 * upstream's response time + one second)}: the upstream's response time bounds a round trip, the
 * second is its own time to notice, and the factor two covers a pace that varies. Without a pace
 * (fewer than two outputs apart in time) no bound is given, and the stream is charged in full.
 *
 * <p>Written by the thread pulling the stream; read once at the cancel, possibly by another.
 */
final class OutputPace {
  private static final long NOTICE_NANOS = 1_000_000_000L;

  private final long responseNanos;
  private final long floorTokens;
  private volatile long firstTokens = -1;
  private volatile long firstNanos;
  private volatile long lastTokens;
  private volatile long lastNanos;

  /**
   * @param responseNanos how long the upstream took to answer the request (its response head)
   * @param floorTokens the smallest margin
   */
  OutputPace(long responseNanos, long floorTokens) {
    this.responseNanos = Math.max(0, responseNanos);
    this.floorTokens = floorTokens;
  }

  /** Notes that {@code producedAtLeast} output tokens had arrived at {@code nanos}. */
  void arrived(long producedAtLeast, long nanos) {
    if (producedAtLeast <= lastTokens) {
      return;
    }
    if (firstTokens < 0) {
      firstTokens = producedAtLeast;
      firstNanos = nanos;
    }
    lastTokens = producedAtLeast;
    lastNanos = nanos;
  }

  /** What the upstream produced, bounded, for a stream cancelled at {@code nanos}. */
  Produced cancelledAt(long producedAtLeast, long nanos) {
    long tokens = lastTokens - firstTokens;
    long span = lastNanos - firstNanos;
    if (firstTokens < 0 || tokens <= 0 || span <= 0) {
      return Produced.atLeast(producedAtLeast);
    }
    long window = saturatedAdd(Math.max(0, nanos - lastNanos), responseNanos + NOTICE_NANOS);
    long paced =
        tokens > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : ceilMultiplyDivide(2 * tokens, window, span);
    long margin = saturatedAdd(floorTokens, paced);
    return new Produced(
        producedAtLeast, saturatedAdd(Math.max(producedAtLeast, lastTokens), margin));
  }

  /** ⌈a × b / c⌉ for non-negative a, b and positive c, saturated at {@link Long#MAX_VALUE}. */
  private static long ceilMultiplyDivide(long a, long b, long c) {
    long high = Math.multiplyHigh(a, b);
    long low = a * b;
    if (high != 0 || low < 0) {
      return Long.MAX_VALUE;
    }
    return low / c + (low % c == 0 ? 0 : 1);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
