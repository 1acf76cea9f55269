package dev.pouch.testkit;

/** Closes what a contract's factory method returned, when it holds resources. */
final class Closing {
  private Closing() {}

  static void closeIfCloseable(Object port) throws Exception {
    if (port instanceof AutoCloseable) {
      ((AutoCloseable) port).close();
    }
  }
}
