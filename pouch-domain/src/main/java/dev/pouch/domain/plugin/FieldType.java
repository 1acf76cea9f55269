package dev.pouch.domain.plugin;

/** The kinds of value a plugin config field can hold. */
public enum FieldType {
  /** Free text. */
  STRING,
  /** A decimal number (prices, fractions); held as {@link java.math.BigDecimal}, never double. */
  NUMBER,
  /** A whole number; held as {@link Long}. */
  INTEGER,
  /** True or false. */
  BOOLEAN,
  /** One of the field's {@code options}; held as {@link String}. */
  SELECT,
  /** Text that is encrypted at rest and never returned by the API (upstream API keys). */
  SECRET;

  /** Lower-case name used on the wire ({@code "string"}, {@code "secret"} …). */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
