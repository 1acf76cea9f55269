package dev.pouch.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document read as JSON values (maps, lists, strings, whole numbers, {@code BigDecimal}s,
 * booleans, nulls) with the line of every value, by the path the admin API names fields with
 * ({@code keys[1].provider.config.api_key}), so an error from anywhere can name the file's line.
 *
 * @param file the file read
 * @param root the document
 * @param lines the line of each path: a field's name, or a list element's first token
 */
record LocatedYaml(Path file, Object root, Map<String, Integer> lines) {
  private static final YAMLFactory YAML = new YAMLFactory();

  /**
   * Reads {@code file}; an empty file is an empty mapping.
   *
   * @throws IllegalArgumentException naming the file and line of a syntax error or a field set
   *     twice, or a file that cannot be read
   */
  static LocatedYaml read(Path file) {
    Map<String, Integer> lines = new HashMap<>();
    try (Reader reader = Files.newBufferedReader(file);
        JsonParser parser = YAML.createParser(reader)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return new LocatedYaml(file, new LinkedHashMap<String, Object>(), Map.of("", 1));
      }
      lines.put("", line(parser));
      Object root = value(file, parser, "", lines);
      return new LocatedYaml(file, root, Map.copyOf(lines));
    } catch (NoSuchFileException missing) {
      throw new IllegalArgumentException(file + " does not exist");
    } catch (JsonProcessingException malformed) {
      int line = malformed.getLocation() == null ? 1 : malformed.getLocation().getLineNr();
      throw new IllegalArgumentException(
          file + ":" + line + ": not valid YAML: " + malformed.getOriginalMessage());
    } catch (IOException unreadable) {
      throw new IllegalArgumentException(file + " cannot be read: " + unreadable.getMessage());
    }
  }

  /** The line of {@code path}, or of its closest enclosing value that has one. */
  int lineOf(String path) {
    String at = path == null ? "" : path;
    while (true) {
      Integer line = lines.get(at);
      if (line != null) {
        return line;
      }
      int cut = Math.max(at.lastIndexOf('.'), at.lastIndexOf('['));
      if (cut <= 0) {
        return lines.getOrDefault("", 1);
      }
      at = at.substring(0, cut);
    }
  }

  /** {@code file:line: path: message}, the form of every error about this file. */
  String error(String path, String message) {
    String field = path == null || path.isEmpty() ? "" : path + ": ";
    return file + ":" + lineOf(path) + ": " + field + message;
  }

  private static Object value(Path file, JsonParser parser, String path, Map<String, Integer> lines)
      throws IOException {
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT:
        Map<String, Object> object = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          String child = path.isEmpty() ? name : path + "." + name;
          int line = line(parser);
          if (object.containsKey(name)) {
            throw new IllegalArgumentException(
                file + ":" + line + ": " + child + ": set twice in one mapping");
          }
          lines.put(child, line);
          parser.nextToken();
          object.put(name, value(file, parser, child, lines));
        }
        return object;
      case START_ARRAY:
        List<Object> array = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          String child = path + "[" + array.size() + "]";
          lines.put(child, line(parser));
          array.add(value(file, parser, child, lines));
        }
        return array;
      case VALUE_STRING:
        return parser.getText();
      case VALUE_NUMBER_INT:
        return parser.getNumberValue();
      case VALUE_NUMBER_FLOAT:
        return parser.getDecimalValue(); // exact: prices stay decimal, never binary floating point
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IllegalArgumentException(
            file + ":" + line(parser) + ": " + path + ": unexpected " + token);
    }
  }

  private static int line(JsonParser parser) {
    return parser.currentTokenLocation().getLineNr();
  }
}
