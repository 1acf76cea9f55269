package dev.pouch.domain.limit;

/**
 * Where rate, token-rate and concurrency counters live. A middleware asks once, when its key's
 * configuration is built, for the bucket or slot pool of a name; every handle of one name, in every
 * process that shares the implementation's store, counts against the same state. The in-process
 * implementation shares nothing: each handle is its own counter, as each instance has its own.
 *
 * <p>Implementations must be thread-safe and must decide each take or acquire in one atomic step
 * (never read the count, then write it).
 */
public interface LimitCounters {

  /**
   * The token bucket named {@code name}: {@code capacity} units, refilled evenly over {@code
   * periodMillis}, full when first used.
   */
  RateBucket bucket(String name, long capacity, long periodMillis);

  /** The pool of at most {@code max} slots named {@code name}. */
  SlotPool slots(String name, int max);
}
