package dev.pouch.server;

/** The test Redis ({@code POUCH_TEST_REDIS_URL}; bin/test starts one): unset, tests fail. */
final class TestRedisUrl {
  private TestRedisUrl() {}

  static String get() {
    String url = System.getenv("POUCH_TEST_REDIS_URL");
    if (url == null || url.isBlank()) {
      throw new IllegalStateException(
          "POUCH_TEST_REDIS_URL is not set: this test needs a Redis server. Run bin/test (it"
              + " starts one), or set e.g. POUCH_TEST_REDIS_URL=redis://127.0.0.1:56379");
    }
    return url.strip();
  }
}
