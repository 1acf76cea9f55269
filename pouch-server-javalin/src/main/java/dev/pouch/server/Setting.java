package dev.pouch.server;

import dev.pouch.adapters.anthropic.AnthropicProviderFactory;
import dev.pouch.adapters.openai.OpenAiSettings;

/**
 * Every setting of {@code pouch serve}: its flag (none for secrets, which never belong in a process
 * list), its environment variable and its default. The one list the CLI's options, its {@code
 * --help} and docs/OPERATIONS.md's settings table (checked by a test) are made from.
 */
enum Setting {
  CONFIG(
      "config",
      "FILE",
      "POUCH_CONFIG",
      null,
      "a YAML file of these settings by flag name (port: 9000); flags and the environment win"),
  PORT("port", "N", "POUCH_PORT", "8080", "TCP port (0: any free port)"),
  HOST("host", "H", "POUCH_HOST", "0.0.0.0", "address to bind"),
  DATA(
      "data",
      "DIR",
      "POUCH_DATA_DIR",
      "./data",
      "folder of pouch.db, the admin token hash, prices.json and plugins/"),
  STORE(
      "store",
      "URL",
      "POUCH_STORE",
      null,
      "postgresql://user@host:port/db[?currentSchema=s]: keys, budgets and the request log in"
          + " PostgreSQL instead of DATA/pouch.db (SQLite)"),
  STORE_PASSWORD(
      null, null, "POUCH_STORE_PASSWORD", null, "password of the PostgreSQL store's role"),
  INSTANCE_LEASE(
      "instance-lease-seconds",
      "N",
      "POUCH_INSTANCE_LEASE_SECONDS",
      "10",
      "PostgreSQL: when an instance stops renewing its lease for this long (a crash), the others"
          + " recover its open reservations, charged in full (at least 1)"),
  RESERVATION_SYNC(
      "reservation-sync",
      "now|later",
      "POUCH_RESERVATION_SYNC",
      "now",
      "now: each reservation is on disk before the request goes upstream (survives a power loss);"
          + " later: committed before it, fsynced with a later commit (survives kill -9 of Pouch,"
          + " not a power loss, an OS crash or a crash of PostgreSQL)"),
  REDIS(
      "redis",
      "URL",
      "POUCH_REDIS",
      null,
      "redis://host:port[/db]: rate, token-rate and concurrency limits shared by every instance"
          + " (unset: each instance counts its own)"),
  REDIS_PASSWORD(null, null, "POUCH_REDIS_PASSWORD", null, "password of Redis (AUTH)"),
  REDIS_TIMEOUT(
      "redis-timeout-ms",
      "N",
      "POUCH_REDIS_TIMEOUT_MS",
      "200",
      "the longest a request waits for Redis before its limits count in this instance alone"),
  MAX_BODY_BYTES(
      "max-body-bytes",
      "N",
      "POUCH_MAX_BODY_BYTES",
      "4194304",
      "larger bodies get 413 request_too_large (at least 1024)"),
  MAX_THREADS(
      "max-threads",
      "N",
      "POUCH_MAX_THREADS",
      "2000",
      "request threads on JDK 17-20 (JDK 21+ uses virtual threads)"),
  OPENAI_BASE_URL(
      "openai-base-url",
      "URL",
      "POUCH_OPENAI_BASE_URL",
      OpenAiSettings.OPENAI_BASE_URL,
      "default upstream of openai keys"),
  OPENAI_API_KEY(
      null,
      null,
      "OPENAI_API_KEY",
      null,
      "API key for openai keys that carry none (custom and openai presets)"),
  OPENAI_ADMIN_KEY(
      null,
      null,
      "POUCH_OPENAI_ADMIN_KEY",
      null,
      "OpenAI organization admin key (sk-admin-...) for GET /api/reconciliation"),
  OPENAI_ADMIN_BASE_URL(
      "openai-admin-base-url",
      "URL",
      "POUCH_OPENAI_ADMIN_BASE_URL",
      null,
      "root of OpenAI's Costs and Usage APIs (default: --openai-base-url)"),
  ANTHROPIC_ADMIN_KEY(
      null,
      null,
      "POUCH_ANTHROPIC_ADMIN_KEY",
      null,
      "Anthropic admin key (sk-ant-admin...) for GET /api/reconciliation"),
  ANTHROPIC_ADMIN_BASE_URL(
      "anthropic-admin-base-url",
      "URL",
      "POUCH_ANTHROPIC_ADMIN_BASE_URL",
      AnthropicProviderFactory.DEFAULT_BASE_URL,
      "root of Anthropic's Usage and Cost Admin API"),
  RECONCILIATION_DRIFT_PERCENT(
      "reconciliation-drift-percent",
      "P",
      "POUCH_RECONCILIATION_DRIFT_PERCENT",
      "2",
      "flag a provider's bill that differs from the ledger by more than P percent (0-100)"),
  RECONCILIATION_DRIFT_FLOOR_MICROS(
      "reconciliation-drift-floor-micros",
      "N",
      "POUCH_RECONCILIATION_DRIFT_FLOOR_MICROS",
      "10000",
      "... and by more than N micro-dollars (rounding on a small day stays unflagged)"),
  PLUGINS_DIR(
      "plugins-dir", "DIR", "POUCH_PLUGINS_DIR", "DATA/plugins", "plugin jars loaded at start"),
  ADMIN_TOKEN(
      null, null, "POUCH_ADMIN_TOKEN", null, "use this admin token instead of the stored one"),
  LOG_FORMAT("log-format", "text|json", "POUCH_LOG_FORMAT", "text", "console log format"),
  LOG_LEVEL(null, null, "POUCH_LOG_LEVEL", "INFO", "root log level"),
  METRICS_AUTH(
      "metrics-auth",
      "none|admin",
      "POUCH_METRICS_AUTH",
      "none",
      "admin: /metrics requires the admin token"),
  METRICS_KEY_SERIES(
      "metrics-key-series",
      "N",
      "POUCH_METRICS_KEY_SERIES",
      "0",
      "keys with their own spend and remaining-budget series in /metrics (they carry key ids)"),
  SHUTDOWN_GRACE_SECONDS(
      "shutdown-grace-seconds",
      "N",
      "POUCH_SHUTDOWN_GRACE_SECONDS",
      "10",
      "on SIGTERM, how long requests in flight may finish (0-3600)"),
  REQUEST_LOG_RETENTION_DAYS(
      "request-log-retention-days",
      "N",
      "POUCH_REQUEST_LOG_RETENTION_DAYS",
      "0",
      "prune request-log rows older than N days, every 10 minutes (0: keep forever; usage and"
          + " spend totals are kept forever)"),
  CORS_ORIGINS(
      "cors-origins", "LIST", "POUCH_CORS_ORIGINS", null, "allowed browser origins of /v1"),
  ADMIN_CORS_ORIGINS(
      "admin-cors-origins",
      "LIST",
      "POUCH_ADMIN_CORS_ORIGINS",
      null,
      "allowed browser origins of the admin API"),
  ADMIN_AUTH_FAILURES_PER_MINUTE(
      "admin-auth-failures-per-minute",
      "N",
      "POUCH_ADMIN_AUTH_FAILURES_PER_MINUTE",
      "" + SecurityConfig.DEFAULT_ADMIN_AUTH_FAILURES_PER_MINUTE,
      "wrong admin tokens allowed per minute and address"),
  MASTER_KEY(
      null, null, "POUCH_MASTER_KEY", null, "master key encrypting upstream secrets at rest");

  private final String flag;
  private final String label;
  private final String env;
  private final String defaultValue;
  private final String description;

  Setting(String flag, String label, String env, String defaultValue, String description) {
    this.flag = flag;
    this.label = label;
    this.env = env;
    this.defaultValue = defaultValue;
    this.description = description;
  }

  /** The flag's name without {@code --}, or {@code null} for a setting of the environment only. */
  String flag() {
    return flag;
  }

  /** What the flag's value looks like in {@code --help} ({@code N}, {@code DIR} …). */
  String label() {
    return label;
  }

  String env() {
    return env;
  }

  /** The default as documented, or {@code null} when there is none (off, generated, a file). */
  String defaultValue() {
    return defaultValue;
  }

  String description() {
    return description;
  }
}
