package dev.pouch.adapters.postgres;

/** What a transaction returns, and whether it commits. */
record Outcome<T>(T value, boolean commit) {
  static <T> Outcome<T> commit(T value) {
    return new Outcome<>(value, true);
  }

  static <T> Outcome<T> rollback(T value) {
    return new Outcome<>(value, false);
  }
}
