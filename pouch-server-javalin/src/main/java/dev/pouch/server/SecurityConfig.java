package dev.pouch.server;

import java.util.Arrays;
import java.util.List;

/**
 * The security settings of the server (docs/SECURITY.md).
 *
 * @param masterKey base64 of the 32-byte master key from {@code POUCH_MASTER_KEY}, or {@code null}
 *     to use (or create) {@code DATA/master.key}
 * @param corsOrigins origins allowed to call {@code /v1/*} from a browser; empty = CORS off
 * @param adminCorsOrigins origins allowed to call {@code /api/*} from a browser; empty = CORS off
 * @param adminAuthFailuresPerMinute failed admin authentications a client address may make per
 *     minute before it gets 429
 */
public record SecurityConfig(
    String masterKey,
    List<String> corsOrigins,
    List<String> adminCorsOrigins,
    int adminAuthFailuresPerMinute) {

  public static final int DEFAULT_ADMIN_AUTH_FAILURES_PER_MINUTE = 10;
  public static final SecurityConfig DEFAULTS =
      new SecurityConfig(null, List.of(), List.of(), DEFAULT_ADMIN_AUTH_FAILURES_PER_MINUTE);

  public SecurityConfig {
    corsOrigins = List.copyOf(corsOrigins);
    adminCorsOrigins = List.copyOf(adminCorsOrigins);
    for (String origin : concat(corsOrigins, adminCorsOrigins)) {
      if (!origin.equals("*") && !origin.matches("https?://[^/\\s,]+")) {
        throw new IllegalArgumentException(
            "CORS origins must be '*' or like https://app.example.com (no path), got '"
                + origin
                + "'");
      }
    }
    if (adminAuthFailuresPerMinute < 1) {
      throw new IllegalArgumentException("admin-auth-failures-per-minute must be at least 1");
    }
  }

  public SecurityConfig withMasterKey(String value) {
    return new SecurityConfig(value, corsOrigins, adminCorsOrigins, adminAuthFailuresPerMinute);
  }

  public SecurityConfig withCors(List<String> proxy, List<String> admin) {
    return new SecurityConfig(masterKey, proxy, admin, adminAuthFailuresPerMinute);
  }

  public SecurityConfig withAdminAuthFailuresPerMinute(int value) {
    return new SecurityConfig(masterKey, corsOrigins, adminCorsOrigins, value);
  }

  /**
   * Reads {@code --cors-origins --admin-cors-origins --admin-auth-failures-per-minute} and {@code
   * POUCH_CORS_ORIGINS POUCH_ADMIN_CORS_ORIGINS POUCH_ADMIN_AUTH_FAILURES_PER_MINUTE
   * POUCH_MASTER_KEY} (the key only from the environment).
   */
  static SecurityConfig parse(Settings settings) {
    return new SecurityConfig(
        settings.value(Setting.MASTER_KEY),
        origins(settings.value(Setting.CORS_ORIGINS)),
        origins(settings.value(Setting.ADMIN_CORS_ORIGINS)),
        (int) settings.number(Setting.ADMIN_AUTH_FAILURES_PER_MINUTE));
  }

  private static List<String> origins(String commaList) {
    if (commaList == null) {
      return List.of();
    }
    return Arrays.stream(commaList.split(","))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s)
        .toList();
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }

  /** Never prints the master key. */
  @Override
  public String toString() {
    return "SecurityConfig[masterKey="
        + (masterKey == null ? "file" : "environment")
        + ", corsOrigins="
        + corsOrigins
        + ", adminCorsOrigins="
        + adminCorsOrigins
        + ", adminAuthFailuresPerMinute="
        + adminAuthFailuresPerMinute
        + "]";
  }
}
