package dev.pouch.server;

import dev.pouch.adapters.openai.OpenAiSettings;
import dev.pouch.adapters.postgres.PostgresStore;
import dev.pouch.adapters.postgres.PostgresUrl;
import dev.pouch.adapters.redis.RedisLimitsSettings;
import dev.pouch.application.port.out.ReservationSync;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The server's settings, from flags first, then {@code POUCH_*} environment variables, then
 * defaults.
 *
 * @param host address to bind
 * @param port TCP port (0 = any free port)
 * @param dataDir folder of the SQLite file and the admin token hash
 * @param maxBodyBytes largest accepted request body
 * @param adminToken admin token from the environment, or {@code null} to use (or create) the stored
 *     one
 * @param maxThreads request threads on JDK 17–20 (JDK 21+ uses virtual threads)
 * @param openAiBaseUrl default base URL of the {@code openai} provider
 * @param openAiApiKey API key for {@code openai} keys that carry none, or {@code null}
 * @param pluginsDir folder of plugin jars loaded at start ({@code DATA/plugins} by default)
 * @param security master key, CORS and admin-authentication settings
 * @param operations log format, metrics access and shutdown grace
 * @param postgres the PostgreSQL store, or {@code null} for SQLite in the data folder (the default)
 * @param instanceLease on PostgreSQL, how long a crashed instance keeps its open reservations from
 *     the others
 * @param reservationSync whether a reservation is on disk before the request goes upstream ({@code
 *     now}, the default) or committed and fsynced with a later commit ({@code later})
 * @param redis the Redis that limits count in, or {@code null} for each instance's own (the
 *     default)
 * @param reconciliation the providers' admin keys and the drift threshold of {@code GET
 *     /api/reconciliation}
 */
public record ServerConfig(
    String host,
    int port,
    Path dataDir,
    long maxBodyBytes,
    String adminToken,
    int maxThreads,
    String openAiBaseUrl,
    String openAiApiKey,
    Path pluginsDir,
    SecurityConfig security,
    OperationsConfig operations,
    PostgresUrl postgres,
    Duration instanceLease,
    ReservationSync reservationSync,
    RedisLimitsSettings redis,
    ReconciliationConfig reconciliation) {

  public static final int DEFAULT_PORT = 8080;
  public static final long DEFAULT_MAX_BODY_BYTES = 4L * 1024 * 1024;

  public ServerConfig {
    java.util.Objects.requireNonNull(openAiBaseUrl, "openAiBaseUrl");
    java.util.Objects.requireNonNull(security, "security");
    java.util.Objects.requireNonNull(operations, "operations");
    java.util.Objects.requireNonNull(reconciliation, "reconciliation");
    java.util.Objects.requireNonNull(instanceLease, "instanceLease");
    java.util.Objects.requireNonNull(reservationSync, "reservationSync");
    if (instanceLease.toMillis() < 1_000) {
      throw new IllegalArgumentException("the instance lease must be at least 1 second");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0-65535");
    }
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException("the body size limit must be at least 1024 bytes");
    }
    if (maxThreads < 8) {
      throw new IllegalArgumentException("max threads must be at least 8");
    }
  }

  /** Defaults for a data folder, as tests use them. */
  public static ServerConfig defaults(Path dataDir) {
    return new ServerConfig(
        "0.0.0.0",
        DEFAULT_PORT,
        dataDir,
        DEFAULT_MAX_BODY_BYTES,
        null,
        2000,
        OpenAiSettings.OPENAI_BASE_URL,
        null,
        dataDir.resolve("plugins"),
        SecurityConfig.DEFAULTS,
        OperationsConfig.DEFAULTS,
        null,
        PostgresStore.DEFAULT_LEASE,
        ReservationSync.NOW,
        null,
        ReconciliationConfig.DEFAULTS);
  }

  public ServerConfig withPort(int value) {
    return copy(c -> c.port = value);
  }

  public ServerConfig withHost(String value) {
    return copy(c -> c.host = value);
  }

  public ServerConfig withAdminToken(String value) {
    return copy(c -> c.adminToken = value);
  }

  public ServerConfig withMaxBodyBytes(long value) {
    return copy(c -> c.maxBodyBytes = value);
  }

  public ServerConfig withPluginsDir(Path value) {
    return copy(c -> c.pluginsDir = value);
  }

  public ServerConfig withOpenAi(String baseUrl, String apiKey) {
    return copy(
        c -> {
          c.openAiBaseUrl = baseUrl;
          c.openAiApiKey = apiKey;
        });
  }

  public ServerConfig withSecurity(SecurityConfig value) {
    return copy(c -> c.security = value);
  }

  public ServerConfig withOperations(OperationsConfig value) {
    return copy(c -> c.operations = value);
  }

  /** Keys, budgets and the log in PostgreSQL ({@code null}: SQLite in the data folder). */
  public ServerConfig withPostgres(PostgresUrl value) {
    return copy(c -> c.postgres = value);
  }

  /** How long a crashed instance keeps its open reservations from the others (PostgreSQL). */
  public ServerConfig withInstanceLease(Duration value) {
    return copy(c -> c.instanceLease = value);
  }

  /** Whether a reservation is on disk before the request goes upstream, or synced later. */
  public ServerConfig withReservationSync(ReservationSync value) {
    return copy(c -> c.reservationSync = value);
  }

  /** Limits shared by every instance in Redis ({@code null}: each instance counts its own). */
  public ServerConfig withRedis(RedisLimitsSettings value) {
    return copy(c -> c.redis = value);
  }

  public ServerConfig withReconciliation(ReconciliationConfig value) {
    return copy(c -> c.reconciliation = value);
  }

  /** A copy with {@code edit} applied; the canonical constructor validates it again. */
  private ServerConfig copy(java.util.function.Consumer<Copy> edit) {
    Copy copy = new Copy(this);
    edit.accept(copy);
    return copy.build();
  }

  /** The components of a config being copied, so each {@code with…} names only what it changes. */
  private static final class Copy {
    String host;
    int port;
    Path dataDir;
    long maxBodyBytes;
    String adminToken;
    int maxThreads;
    String openAiBaseUrl;
    String openAiApiKey;
    Path pluginsDir;
    SecurityConfig security;
    OperationsConfig operations;
    PostgresUrl postgres;
    Duration instanceLease;
    ReservationSync reservationSync;
    RedisLimitsSettings redis;
    ReconciliationConfig reconciliation;

    Copy(ServerConfig from) {
      host = from.host;
      port = from.port;
      dataDir = from.dataDir;
      maxBodyBytes = from.maxBodyBytes;
      adminToken = from.adminToken;
      maxThreads = from.maxThreads;
      openAiBaseUrl = from.openAiBaseUrl;
      openAiApiKey = from.openAiApiKey;
      pluginsDir = from.pluginsDir;
      security = from.security;
      operations = from.operations;
      postgres = from.postgres;
      instanceLease = from.instanceLease;
      reservationSync = from.reservationSync;
      redis = from.redis;
      reconciliation = from.reconciliation;
    }

    ServerConfig build() {
      return new ServerConfig(
          host,
          port,
          dataDir,
          maxBodyBytes,
          adminToken,
          maxThreads,
          openAiBaseUrl,
          openAiApiKey,
          pluginsDir,
          security,
          operations,
          postgres,
          instanceLease,
          reservationSync,
          redis,
          reconciliation);
    }
  }

  /**
   * Reads the flags of {@code pouch serve} and the environment: see {@link Setting} (secrets only
   * from the environment, so they never show in a process list).
   *
   * @throws IllegalArgumentException naming the flag or variable at fault: an unknown flag (with
   *     the closest known one), a flag without its value, a value out of range
   */
  public static ServerConfig parse(String[] args, Map<String, String> env) {
    return parse(PouchCli.serveSettings(args, env));
  }

  static ServerConfig parse(Settings settings) {
    Path data = Path.of(settings.valueOrDefault(Setting.DATA)).normalize();
    String plugins = settings.value(Setting.PLUGINS_DIR);
    return new ServerConfig(
        settings.valueOrDefault(Setting.HOST),
        (int) settings.number(Setting.PORT),
        data,
        settings.number(Setting.MAX_BODY_BYTES),
        settings.value(Setting.ADMIN_TOKEN),
        (int) settings.number(Setting.MAX_THREADS),
        settings.valueOrDefault(Setting.OPENAI_BASE_URL),
        settings.value(Setting.OPENAI_API_KEY),
        plugins == null ? data.resolve("plugins") : Path.of(plugins),
        SecurityConfig.parse(settings),
        OperationsConfig.parse(settings),
        postgres(settings),
        Duration.ofSeconds(settings.number(Setting.INSTANCE_LEASE)),
        reservationSync(settings),
        redis(settings),
        ReconciliationConfig.parse(settings));
  }

  /**
   * The PostgreSQL store of {@code --store}, its password from {@code POUCH_STORE_PASSWORD} (or the
   * URL, when the URL comes from the environment: a flag shows in a process list, a file is no
   * place for a secret); {@code null} for SQLite.
   */
  private static PostgresUrl postgres(Settings settings) {
    String store = settings.value(Setting.STORE);
    if (store == null) {
      return null;
    }
    if (!PostgresUrl.isPostgres(store)) {
      throw new IllegalArgumentException(
          "store must be a postgresql:// URL (leave it unset for SQLite in the data folder)");
    }
    PostgresUrl url = PostgresUrl.parse(store);
    boolean fromEnvironment = store.equals(strip(settings.env().get(Setting.STORE.env())));
    if (url.password() != null && !fromEnvironment) {
      throw new IllegalArgumentException(
          "store must not carry a password in a flag or a file: set "
              + Setting.STORE_PASSWORD.env()
              + " instead");
    }
    String password = settings.value(Setting.STORE_PASSWORD);
    return password == null ? url : url.withPassword(password);
  }

  private static ReservationSync reservationSync(Settings settings) {
    try {
      return ReservationSync.parse(settings.valueOrDefault(Setting.RESERVATION_SYNC));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(Setting.RESERVATION_SYNC.flag() + " " + e.getMessage(), e);
    }
  }

  /**
   * The Redis of {@code --redis}, its password from {@code POUCH_REDIS_PASSWORD} (or the URL, when
   * the URL comes from the environment, as for the store); {@code null} for per-instance limits.
   */
  private static RedisLimitsSettings redis(Settings settings) {
    String redis = settings.value(Setting.REDIS);
    if (redis == null) {
      return null;
    }
    RedisLimitsSettings parsed = RedisLimitsSettings.of(redis);
    boolean fromEnvironment = redis.equals(strip(settings.env().get(Setting.REDIS.env())));
    if (parsed.hasPasswordInUrl() && !fromEnvironment) {
      throw new IllegalArgumentException(
          "redis must not carry a password in a flag or a file: set "
              + Setting.REDIS_PASSWORD.env()
              + " instead");
    }
    long timeoutMillis = settings.number(Setting.REDIS_TIMEOUT);
    if (timeoutMillis < 1) {
      throw new IllegalArgumentException(Setting.REDIS_TIMEOUT.flag() + " must be at least 1");
    }
    return parsed
        .withPassword(settings.value(Setting.REDIS_PASSWORD))
        .withCommandTimeout(Duration.ofMillis(timeoutMillis));
  }

  private static String strip(String value) {
    return value == null ? null : value.strip();
  }

  /** Never prints secrets. */
  @Override
  public String toString() {
    return "ServerConfig[host="
        + host
        + ", port="
        + port
        + ", dataDir="
        + dataDir
        + ", maxBodyBytes="
        + maxBodyBytes
        + ", maxThreads="
        + maxThreads
        + ", openAiBaseUrl="
        + openAiBaseUrl
        + ", "
        + security
        + ", "
        + operations
        + ", store="
        + (postgres == null ? "sqlite" : postgres)
        + ", reservationSync="
        + reservationSync.value()
        + ", limits="
        + (redis == null ? "per instance" : redis)
        + ", "
        + reconciliation
        + "]";
  }
}
