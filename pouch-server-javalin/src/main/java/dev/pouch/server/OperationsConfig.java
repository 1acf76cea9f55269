package dev.pouch.server;

import java.time.Duration;
import java.util.Locale;

/**
 * The operator's settings: log format, who may read {@code /metrics}, and how long a stop waits for
 * requests in flight. From flags first, then {@code POUCH_*} environment variables, then defaults.
 *
 * @param logFormat {@code text} (human-readable console, the default) or {@code json} (one JSON
 *     object per line)
 * @param metricsAuth whether {@code /metrics} requires the admin token ({@code false} by default:
 *     metrics carry no key ids or secrets, and scrapers usually sit on a private network)
 * @param shutdownGrace how long a stop (SIGTERM) lets requests in flight finish before cutting the
 *     streams that remain
 * @param metricsKeySeries how many keys get their own spend and remaining-budget series in {@code
 *     /metrics} (the first ones to spend; the rest are summed under {@code key="other"}); 0, the
 *     default, for none, so that {@code /metrics} carries no key ids
 * @param requestLogRetention request-log rows older than this are pruned every 10 minutes; {@link
 *     Duration#ZERO}, the default, keeps them forever (usage and spend totals are kept forever
 *     either way)
 */
public record OperationsConfig(
    String logFormat,
    boolean metricsAuth,
    Duration shutdownGrace,
    int metricsKeySeries,
    Duration requestLogRetention) {

  public static final String TEXT = "text";
  public static final String JSON = "json";
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
  public static final OperationsConfig DEFAULTS =
      new OperationsConfig(TEXT, false, DEFAULT_SHUTDOWN_GRACE, 0, Duration.ZERO);

  /** The longest request-log retention, in days (a hundred years). */
  public static final long MAX_RETENTION_DAYS = 36_500;

  /** Most keys with series of their own: each costs a few time series in every scrape. */
  public static final int MAX_METRICS_KEY_SERIES = 10_000;

  public OperationsConfig {
    if (!TEXT.equals(logFormat) && !JSON.equals(logFormat)) {
      throw new IllegalArgumentException("log-format must be 'text' or 'json', got '" + logFormat);
    }
    if (shutdownGrace.isNegative() || shutdownGrace.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("shutdown-grace-seconds must be 0 to 3600");
    }
    if (metricsKeySeries < 0 || metricsKeySeries > MAX_METRICS_KEY_SERIES) {
      throw new IllegalArgumentException(
          "metrics-key-series must be 0 to " + MAX_METRICS_KEY_SERIES);
    }
    java.util.Objects.requireNonNull(requestLogRetention, "requestLogRetention");
    boolean forever = requestLogRetention.isZero();
    if (!forever
        && (requestLogRetention.compareTo(Duration.ofDays(1)) < 0
            || requestLogRetention.compareTo(Duration.ofDays(MAX_RETENTION_DAYS)) > 0)) {
      throw new IllegalArgumentException(
          "request-log-retention-days must be 0 (keep forever) or 1 to " + MAX_RETENTION_DAYS);
    }
  }

  /** Settings without per-key series, as before they existed. */
  public OperationsConfig(String logFormat, boolean metricsAuth, Duration shutdownGrace) {
    this(logFormat, metricsAuth, shutdownGrace, 0);
  }

  /** Settings that keep the request log forever. */
  public OperationsConfig(
      String logFormat, boolean metricsAuth, Duration shutdownGrace, int metricsKeySeries) {
    this(logFormat, metricsAuth, shutdownGrace, metricsKeySeries, Duration.ZERO);
  }

  public OperationsConfig withShutdownGrace(Duration value) {
    return new OperationsConfig(
        logFormat, metricsAuth, value, metricsKeySeries, requestLogRetention);
  }

  public OperationsConfig withMetricsAuth(boolean value) {
    return new OperationsConfig(
        logFormat, value, shutdownGrace, metricsKeySeries, requestLogRetention);
  }

  public OperationsConfig withMetricsKeySeries(int value) {
    return new OperationsConfig(logFormat, metricsAuth, shutdownGrace, value, requestLogRetention);
  }

  public OperationsConfig withRequestLogRetention(Duration value) {
    return new OperationsConfig(logFormat, metricsAuth, shutdownGrace, metricsKeySeries, value);
  }

  /**
   * Reads {@code --log-format text|json --metrics-auth none|admin --shutdown-grace-seconds N
   * --metrics-key-series N --request-log-retention-days N} and their {@code POUCH_*} variables.
   *
   * @throws IllegalArgumentException naming the flag at fault
   */
  static OperationsConfig parse(Settings settings) {
    String format = settings.valueOrDefault(Setting.LOG_FORMAT).toLowerCase(Locale.ROOT);
    String auth = settings.valueOrDefault(Setting.METRICS_AUTH);
    if (!"none".equals(auth) && !"admin".equals(auth)) {
      throw new IllegalArgumentException("metrics-auth must be 'none' or 'admin', got '" + auth);
    }
    long seconds = settings.number(Setting.SHUTDOWN_GRACE_SECONDS);
    if (seconds < 0 || seconds > 3600) {
      throw new IllegalArgumentException("shutdown-grace-seconds must be 0 to 3600");
    }
    long keySeries = settings.number(Setting.METRICS_KEY_SERIES);
    if (keySeries < 0 || keySeries > MAX_METRICS_KEY_SERIES) {
      throw new IllegalArgumentException(
          "metrics-key-series must be 0 to " + MAX_METRICS_KEY_SERIES);
    }
    long retentionDays = settings.number(Setting.REQUEST_LOG_RETENTION_DAYS);
    if (retentionDays < 0 || retentionDays > MAX_RETENTION_DAYS) {
      throw new IllegalArgumentException(
          "request-log-retention-days must be 0 (keep forever) or 1 to " + MAX_RETENTION_DAYS);
    }
    return new OperationsConfig(
        format,
        "admin".equals(auth),
        Duration.ofSeconds(seconds),
        (int) keySeries,
        Duration.ofDays(retentionDays));
  }
}
