package dev.pouch.server;

import java.util.Map;

/**
 * The values given for the {@link Setting}s: a flag's first, then its environment variable; a blank
 * value counts as not given.
 *
 * @param flags the flags given, by setting
 * @param env the process environment
 */
record Settings(Map<Setting, String> flags, Map<String, String> env) {
  Settings {
    flags = Map.copyOf(flags);
    env = Map.copyOf(env);
  }

  /** The value given (stripped), or {@code null}. */
  String value(Setting setting) {
    String value = setting.flag() == null ? null : flags.get(setting);
    if (value == null) {
      value = env.get(setting.env());
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
