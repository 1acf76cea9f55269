package dev.pouch.application;

/**
 * Tunables of the core.
 *
 * @param minUsefulOutputTokens when Pouch chooses {@code max_tokens} itself, the smallest answer
 *     worth serving; below it the request is refused with {@code budget_exceeded}
 * @param overrunMarginTokens output tokens reserved beyond the cap, so that a stream from an
 *     upstream that ignores {@code max_tokens} can be cut one chunk late without the charge
 *     exceeding the reservation
 * @param keyCacheSize most verified keys kept in memory
 * @param reserveAttempts how often a clamped request re-plans against a fresher budget when a
 *     concurrent request took the headroom first
 */
public record PouchSettings(
    long minUsefulOutputTokens, long overrunMarginTokens, int keyCacheSize, int reserveAttempts) {

  public static final PouchSettings DEFAULTS = new PouchSettings(16, 16, 10_000, 3);

  public PouchSettings {
    if (minUsefulOutputTokens < 1
        || overrunMarginTokens < 0
        || keyCacheSize < 1
        || reserveAttempts < 1) {
      throw new IllegalArgumentException("invalid settings");
    }
  }
}
