package dev.pouch.server;

import dev.pouch.adapters.openai.OpenAiSettings;
import java.nio.file.Path;
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
    OperationsConfig operations) {

  public static final int DEFAULT_PORT = 8080;
  public static final long DEFAULT_MAX_BODY_BYTES = 4L * 1024 * 1024;

  public ServerConfig {
    java.util.Objects.requireNonNull(openAiBaseUrl, "openAiBaseUrl");
    java.util.Objects.requireNonNull(security, "security");
    java.util.Objects.requireNonNull(operations, "operations");
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
        OperationsConfig.DEFAULTS);
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
          operations);
    }
  }

  /**
   * Reads {@code --port N --data DIR --host H --max-body-bytes N --max-threads N --openai-base-url
   * URL --plugins-dir DIR} and {@code POUCH_PORT POUCH_DATA_DIR POUCH_HOST POUCH_MAX_BODY_BYTES
   * POUCH_MAX_THREADS POUCH_OPENAI_BASE_URL POUCH_PLUGINS_DIR POUCH_ADMIN_TOKEN OPENAI_API_KEY}
   * (secrets only from the environment, so they never show in a process list), and the flags of
   * {@link SecurityConfig#parse} and {@link OperationsConfig#parse}.
   *
   * @throws IllegalArgumentException naming the flag or variable at fault
   */
  public static ServerConfig parse(String[] args, Map<String, String> env) {
    Map<String, String> flags = Flags.parse(args);
    String host = pick(flags, "host", env, "POUCH_HOST", "0.0.0.0");
    int port = (int) number(pick(flags, "port", env, "POUCH_PORT", "" + DEFAULT_PORT), "port");
    Path data = Path.of(pick(flags, "data", env, "POUCH_DATA_DIR", "data"));
    long body =
        number(
            pick(flags, "max-body-bytes", env, "POUCH_MAX_BODY_BYTES", "" + DEFAULT_MAX_BODY_BYTES),
            "max-body-bytes");
    int threads =
        (int) number(pick(flags, "max-threads", env, "POUCH_MAX_THREADS", "2000"), "max-threads");
    String openAiBaseUrl =
        pick(
            flags, "openai-base-url", env, "POUCH_OPENAI_BASE_URL", OpenAiSettings.OPENAI_BASE_URL);
    return new ServerConfig(
        host,
        port,
        data,
        body,
        blankToNull(env.get("POUCH_ADMIN_TOKEN")),
        threads,
        openAiBaseUrl,
        blankToNull(env.get("OPENAI_API_KEY")),
        Path.of(
            pick(
                flags,
                "plugins-dir",
                env,
                "POUCH_PLUGINS_DIR",
                data.resolve("plugins").toString())),
        SecurityConfig.parse(flags, env),
        OperationsConfig.parse(flags, env));
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static String pick(
      Map<String, String> flags, String flag, Map<String, String> env, String var, String dflt) {
    String value = flags.get(flag);
    if (value == null) {
      value = env.get(var);
    }
    return value == null || value.isBlank() ? dflt : value;
  }

  private static long number(String value, String name) {
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'");
    }
  }

  /** {@code --name value} and {@code --name=value} pairs. */
  static final class Flags {
    private Flags() {}

    static Map<String, String> parse(String[] args) {
      Map<String, String> flags = new java.util.LinkedHashMap<>();
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (!arg.startsWith("--")) {
          throw new IllegalArgumentException("unexpected argument '" + arg + "'");
        }
        String name = arg.substring(2);
        int eq = name.indexOf('=');
        if (eq >= 0) {
          flags.put(name.substring(0, eq), name.substring(eq + 1));
        } else if (i + 1 < args.length) {
          flags.put(name, args[++i]);
        } else {
          throw new IllegalArgumentException("flag --" + name + " needs a value");
        }
      }
      return flags;
    }
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
        + "]";
  }
}
