package dev.pouch.domain.plugin;

import dev.pouch.domain.error.RequestRejectedException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The configuration schema of a provider or middleware: an ordered list of fields. {@link
 * #validate} is the only way to obtain a {@link PluginConfig}, so every stored config matches its
 * schema.
 */
public record PluginSchema(List<SchemaField> fields) {
  /** The {@link SchemaField#role()} of fields that hold a URL. */
  public static final String URL_ROLE = "url";

  /**
   * The {@link SchemaField#role()} of text fields that hold {@code name=value} pairs separated by
   * commas or new lines (model aliases, for example); see {@link #parsePairs}.
   */
  public static final String PAIRS_ROLE = "pairs";

  /**
   * The {@link SchemaField#role()} of text fields that hold whole numbers separated by commas
   * ({@code 50, 80, 100}); see {@link #parseNumbers}.
   */
  public static final String NUMBERS_ROLE = "numbers";

  /**
   * The {@link SchemaField#role()} of text fields that hold a JSON document (a key's own price
   * rows): forms give it a multi-line box; the plugin itself checks the document.
   */
  public static final String JSON_ROLE = "json";

  private static final Pattern HTTP_URL = Pattern.compile("https?://[^\\s/?#]+[^\\s]*");

  /** A plugin with nothing to configure. */
  public static final PluginSchema EMPTY = new PluginSchema(List.of());

  public PluginSchema {
    fields = List.copyOf(fields);
    Set<String> names = new HashSet<>();
    for (SchemaField field : fields) {
      if (!names.add(field.name())) {
        throw new IllegalArgumentException("duplicate schema field: " + field.name());
      }
    }
  }

  public static PluginSchema of(SchemaField... fields) {
    return new PluginSchema(List.of(fields));
  }

  public Optional<SchemaField> field(String name) {
    return fields.stream().filter(f -> f.name().equals(name)).findFirst();
  }

  /**
   * Checks a raw config (as parsed from JSON: strings, numbers, booleans, nulls) against the schema
   * and returns it typed with defaults applied.
   *
   * @throws RequestRejectedException with code {@code INVALID_CONFIG} naming the first field at
   *     fault: unknown field, missing required field, wrong type, out of range, option not in list
   */
  public PluginConfig validate(Map<String, ?> raw) {
    Map<String, ?> input = raw == null ? Map.of() : raw;
    for (String name : input.keySet()) {
      if (field(name).isEmpty()) {
        throw RequestRejectedException.invalidConfig(name, "unknown config field '" + name + "'");
      }
    }
    Map<String, Object> typed = new LinkedHashMap<>();
    for (SchemaField field : fields) {
      Object value = input.get(field.name());
      if (value == null) {
        value = field.defaultValue();
      }
      if (value == null) {
        if (field.required()) {
          throw RequestRejectedException.invalidConfig(
              field.name(), "config field '" + field.name() + "' is required");
        }
        continue;
      }
      typed.put(field.name(), coerce(field, value));
    }
    return new PluginConfig(typed);
  }

  private static Object coerce(SchemaField field, Object value) {
    return switch (field.type()) {
      case STRING, SECRET ->
          checkPairs(field, checkUrl(field, checkLength(field, text(field, value))));
      case SELECT -> {
        String choice = text(field, value);
        if (!field.options().contains(choice)) {
          throw RequestRejectedException.invalidConfig(
              field.name(),
              "config field '" + field.name() + "' must be one of " + field.options());
        }
        yield choice;
      }
      case BOOLEAN -> {
        if (!(value instanceof Boolean flag)) {
          throw wrongType(field, "a boolean");
        }
        yield flag;
      }
      case INTEGER -> {
        BigDecimal number = number(field, value);
        if (number.signum() != 0 && number.precision() - number.scale() > 19) {
          // Checked before toBigIntegerExact, which would expand 1e999999999 digit by digit.
          throw wrongType(field, "a whole number within 64 bits");
        }
        BigInteger whole;
        try {
          whole = number.toBigIntegerExact();
        } catch (ArithmeticException notWhole) {
          throw wrongType(field, "a whole number");
        }
        checkRange(field, new BigDecimal(whole));
        try {
          yield whole.longValueExact();
        } catch (ArithmeticException tooLarge) {
          throw wrongType(field, "a whole number within 64 bits");
        }
      }
      case NUMBER -> checkRange(field, number(field, value));
    };
  }

  private static String text(SchemaField field, Object value) {
    if (!(value instanceof String text)) {
      throw wrongType(field, "a string");
    }
    return text;
  }

  private static String checkLength(SchemaField field, String text) {
    if (field.max() != null && BigDecimal.valueOf(text.length()).compareTo(field.max()) > 0) {
      throw RequestRejectedException.invalidConfig(
          field.name(),
          "config field '" + field.name() + "' is longer than " + field.max() + " characters");
    }
    return text;
  }

  /** A field with role {@code url} must hold an http(s) URL, so a typo fails at configuration. */
  private static String checkUrl(SchemaField field, String text) {
    if (URL_ROLE.equals(field.role()) && !HTTP_URL.matcher(text).matches()) {
      throw RequestRejectedException.invalidConfig(
          field.name(), "config field '" + field.name() + "' must be an http:// or https:// URL");
    }
    return text;
  }

  /** Fields with role {@code pairs} or {@code numbers} must parse, so a typo fails early. */
  private static String checkPairs(SchemaField field, String text) {
    if (PAIRS_ROLE.equals(field.role()) || NUMBERS_ROLE.equals(field.role())) {
      try {
        if (PAIRS_ROLE.equals(field.role())) {
          parsePairs(text);
        } else {
          parseNumbers(text);
        }
      } catch (IllegalArgumentException malformed) {
        throw RequestRejectedException.invalidConfig(
            field.name(), "config field '" + field.name() + "': " + malformed.getMessage());
      }
    }
    return text;
  }

  /**
   * Reads {@code a=b, c=d} (commas or new lines between pairs, blanks around names ignored) in
   * order.
   *
   * @throws IllegalArgumentException naming the first malformed or repeated pair
   */
  public static Map<String, String> parsePairs(String text) {
    Map<String, String> pairs = new LinkedHashMap<>();
    for (String entry : text.split("[,\\n]")) {
      String pair = entry.strip();
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = equals < 0 ? "" : pair.substring(0, equals).strip();
      String value = equals < 0 ? "" : pair.substring(equals + 1).strip();
      if (name.isEmpty() || value.isEmpty()) {
        throw new IllegalArgumentException("'" + pair + "' is not of the form name=value");
      }
      if (pairs.putIfAbsent(name, value) != null) {
        throw new IllegalArgumentException("'" + name + "' appears twice");
      }
    }
    return pairs;
  }

  /**
   * Reads {@code 50, 80, 100}: non-negative whole numbers separated by commas (blanks ignored),
   * sorted ascending without repeats.
   *
   * @throws IllegalArgumentException naming the first entry that is not such a number
   */
  public static List<Long> parseNumbers(String text) {
    java.util.TreeSet<Long> numbers = new java.util.TreeSet<>();
    for (String entry : text.split(",")) {
      String number = entry.strip();
      if (number.isEmpty()) {
        continue;
      }
      try {
        long value = Long.parseLong(number);
        if (value < 0) {
          throw new NumberFormatException();
        }
        numbers.add(value);
      } catch (NumberFormatException notANumber) {
        throw new IllegalArgumentException("'" + number + "' is not a whole number >= 0");
      }
    }
    if (numbers.isEmpty()) {
      throw new IllegalArgumentException("no number given");
    }
    return List.copyOf(numbers);
  }

  private static BigDecimal number(SchemaField field, Object value) {
    if (value instanceof BigDecimal decimal) {
      return decimal;
    }
    if (value instanceof BigInteger whole) {
      return new BigDecimal(whole);
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short) {
      return BigDecimal.valueOf(((Number) value).longValue());
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isFinite(d)) {
        // Parsed JSON decimals arrive as double from some parsers: keep the written digits.
        return new BigDecimal(Double.toString(d));
      }
    }
    throw wrongType(field, "a number");
  }

  private static BigDecimal checkRange(SchemaField field, BigDecimal number) {
    if (field.min() != null && number.compareTo(field.min()) < 0) {
      throw RequestRejectedException.invalidConfig(
          field.name(), "config field '" + field.name() + "' must be at least " + field.min());
    }
    if (field.max() != null && number.compareTo(field.max()) > 0) {
      throw RequestRejectedException.invalidConfig(
          field.name(), "config field '" + field.name() + "' must be at most " + field.max());
    }
    return number;
  }

  private static RequestRejectedException wrongType(SchemaField field, String expected) {
    return RequestRejectedException.invalidConfig(
        field.name(), "config field '" + field.name() + "' must be " + expected);
  }
}
