package dev.pouch.adapters.postgres;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a PostgreSQL store lives, from a URL such as {@code
 * postgresql://pouch:secret@db.internal:5432/pouch?currentSchema=gateway} ({@code postgres://}
 * too). The user and password go to the driver apart from the JDBC URL; the other query parameters
 * are the driver's own and pass through. {@link #toString} never shows the password.
 *
 * @param jdbcUrl {@code jdbc:postgresql://host:port/database?params}, without user or password
 * @param user the role, or {@code null} for the driver's default
 * @param password the password, or {@code null}
 * @param schema the schema the store's tables live in ({@code currentSchema}, else {@code public})
 */
public record PostgresUrl(String jdbcUrl, String user, String password, String schema) {
  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  public PostgresUrl {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(schema, "schema");
    if (!SCHEMA_NAME.matcher(schema).matches()) {
      throw new IllegalArgumentException(
          "the schema must be a lower-case SQL name (letters, digits, _): " + schema);
    }
  }

  /** Whether {@code url} names a PostgreSQL store (rather than a SQLite file). */
  public static boolean isPostgres(String url) {
    return url != null && (url.startsWith("postgresql://") || url.startsWith("postgres://"));
  }

  /**
   * Reads a {@code postgresql://[user[:password]@]host[:port]/database[?params]} URL.
   *
   * @throws IllegalArgumentException when it is not one (the message never holds the password)
   */
  public static PostgresUrl parse(String url) {
    if (!isPostgres(url)) {
      throw new IllegalArgumentException("a PostgreSQL store URL starts with postgresql://");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("the PostgreSQL store URL is malformed", null);
    }
    String host = uri.getHost();
    String database = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("^/", "");
    if (host == null || database.isEmpty()) {
      throw new IllegalArgumentException(
          "the PostgreSQL store URL needs a host and a database: postgresql://host[:port]/db");
    }
    String user = null;
    String password = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
    }
    Map<String, String> params = query(uri.getRawQuery());
    String schema = params.getOrDefault("currentSchema", "public");
    StringBuilder jdbc =
        new StringBuilder("jdbc:postgresql://")
            .append(host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host);
    if (uri.getPort() >= 0) {
      jdbc.append(':').append(uri.getPort());
    }
    jdbc.append('/').append(database);
    if (uri.getRawQuery() != null) {
      jdbc.append('?').append(uri.getRawQuery());
    }
    return new PostgresUrl(jdbc.toString(), user, password, schema);
  }

  /** This store with another password (given apart from the URL). */
  public PostgresUrl withPassword(String otherPassword) {
    return new PostgresUrl(jdbcUrl, user, otherPassword, schema);
  }

  /** This store in another schema of the same database (tests give each their own). */
  public PostgresUrl inSchema(String otherSchema) {
    return new PostgresUrl(jdbcUrl, user, password, otherSchema);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> params = new LinkedHashMap<>();
    if (raw == null) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        params.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
      }
    }
    return params;
  }

  /** Percent-decoding only: a {@code +} in a password stays a plus. */
  private static String decode(String part) {
    return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** The URL without the password. */
  @Override
  public String toString() {
    return jdbcUrl + " (user " + user + ", schema " + schema + ")";
  }
}
