package dev.pouch.server;

import java.util.Map;

/**
 * The values given for the {@link Setting}s: a flag's first, then its environment variable, then
 * the config file's ({@code --config}); a blank value counts as not given.
 *
 * @param flags the flags given, by setting
 * @param env the process environment
 * @param file the settings of the config file, if any
 */
record Settings(Map<Setting, String> flags, Map<String, String> env, Map<Setting, String> file) {
  Settings {
    flags = Map.copyOf(flags);
    env = Map.copyOf(env);
    file = Map.copyOf(file);
  }

  /** Flags and the environment, without a config file. */
  Settings(Map<Setting, String> flags, Map<String, String> env) {
    this(flags, env, Map.of());
  }

  /**
   * These settings with the config file they name ({@code --config} or {@code POUCH_CONFIG}) read
   * in, or themselves when they name none.
   *
   * @throws IllegalArgumentException naming the file, line and field of an error in the file
   */
  Settings withConfigFile() {
    String path = value(Setting.CONFIG);
    return path == null
        ? this
        : new Settings(flags, env, ConfigFile.read(java.nio.file.Path.of(path)));
  }

  /** The value given (stripped), or {@code null}. */
  String value(Setting setting) {
    String value = setting.flag() == null ? null : flags.get(setting);
    if (value == null) {
      value = env.get(setting.env());
    }
    if (value == null) {
      value = file.get(setting);
    }
    return value == null || value.isBlank() ? null : value.strip();
  }

  /** The value given, else the setting's default (which may be {@code null}). */
  String valueOrDefault(Setting setting) {
    String value = value(setting);
    return value == null ? setting.defaultValue() : value;
  }

  /**
   * The value as a whole number.
   *
   * @throws IllegalArgumentException naming the flag when it is not one
   */
  long number(Setting setting) {
    String value = valueOrDefault(setting);
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          setting.flag() + " must be a whole number, got '" + value + "'");
    }
  }
}
