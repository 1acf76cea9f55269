package dev.pouch.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * {@code --config pouch.yaml}: the server's settings in a YAML mapping, by flag name ({@code port:
 * 9000}, {@code log-format: json}). Below flags and environment variables, above the defaults.
 * Secrets are not taken from a file: they come from the environment only. An error names the file,
 * the line and the field.
 */
final class ConfigFile {
  private static final YAMLFactory YAML = new YAMLFactory();

  private ConfigFile() {}

  /**
   * The settings {@code file} sets.
   *
   * @throws IllegalArgumentException naming the file, the line and the field at fault
   */
  static Map<Setting, String> read(Path file) {
    Map<Setting, String> settings = new EnumMap<>(Setting.class);
    try (JsonParser parser = YAML.createParser(Files.newBufferedReader(file))) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return settings; // an empty file sets nothing
      }
      if (first != JsonToken.START_OBJECT) {
        throw error(file, parser, "must be a mapping of settings, such as 'port: 9000'");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        Setting setting = byFlag(name);
        if (setting == null || setting == Setting.CONFIG) {
          String hint =
              Suggestion.closest(
                      name,
                      Arrays.stream(Setting.values())
                          .map(Setting::flag)
                          .filter(Objects::nonNull)
                          .toList())
                  .map(closest -> " (did you mean '" + closest + "'?)")
                  .orElse("");
          throw error(
              file,
              parser,
              isSecret(name)
                  ? "'" + name + "' is a secret: set it in the environment, never in a file"
                  : "'" + name + "' is not a setting" + hint);
        }
        JsonToken value = parser.nextToken();
        if (!value.isScalarValue() || value == JsonToken.VALUE_NULL) {
          throw error(file, parser, "'" + name + "' must be a single value");
        }
        if (settings.put(setting, parser.getValueAsString()) != null) {
          throw error(file, parser, "'" + name + "' is set twice");
        }
      }
    } catch (NoSuchFileException missing) {
      throw new IllegalArgumentException("config file " + file + " does not exist");
    } catch (IOException unreadable) {
      throw new IllegalArgumentException(
          "config file " + file + " cannot be read: " + unreadable.getMessage());
    }
    return settings;
  }

  private static Setting byFlag(String name) {
    for (Setting setting : Setting.values()) {
      if (name.equals(setting.flag())) {
        return setting;
      }
    }
    return null;
  }

  private static boolean isSecret(String name) {
    for (Setting setting : Setting.values()) {
      if (setting.flag() == null && name.equalsIgnoreCase(setting.env())) {
        return true;
      }
    }
    return name.toLowerCase(java.util.Locale.ROOT).contains("key")
        || name.toLowerCase(java.util.Locale.ROOT).contains("token");
  }

  private static IllegalArgumentException error(Path file, JsonParser parser, String message) {
    return new IllegalArgumentException(
        file + ":" + parser.currentTokenLocation().getLineNr() + ": " + message);
  }
}
