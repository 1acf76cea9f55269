package dev.pouch.adapters.redis;

/** A Redis URL as it may be logged: scheme, host, port and database, never credentials. */
final class RedisAddress {
  private RedisAddress() {}

  static String withoutSecrets(String url) {
    int scheme = url.indexOf("://");
    int at = url.lastIndexOf('@');
    if (scheme < 0 || at < scheme) {
      return url;
    }
    return url.substring(0, scheme + 3) + url.substring(at + 1);
  }
}
