package dev.pouch.domain.plugin;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * One field of a plugin's configuration schema.
 *
 * @param name key in the config map ({@code snake_case})
 * @param type kind of value
 * @param displayName label for forms
 * @param description help text for forms
 * @param defaultValue value applied when the field is absent, or {@code null}
 * @param options allowed values of a {@link FieldType#SELECT} field, otherwise empty
 * @param required whether the field must be present (after defaults)
 * @param min inclusive lower bound of a number/integer, or {@code null}
 * @param max inclusive upper bound of a number/integer (or maximum length of text), or {@code null}
 * @param role free-form hint for forms (for example {@code "price"} or {@code "url"}), or {@code
 *     null}
 */
public record SchemaField(
    String name,
    FieldType type,
    String displayName,
    String description,
    Object defaultValue,
    List<String> options,
    boolean required,
    BigDecimal min,
    BigDecimal max,
    String role) {

  public SchemaField {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    displayName = displayName == null ? name : displayName;
    description = description == null ? "" : description;
    options = List.copyOf(options == null ? List.of() : options);
    if (type == FieldType.SELECT && options.isEmpty()) {
      throw new IllegalArgumentException("select field " + name + " needs options");
    }
  }

  /** Starts a field definition; finish with the builder's setters. */
  public static Builder builder(String name, FieldType type) {
    return new Builder(name, type);
  }

  /** Fluent construction, since most fields set only a few of the ten components. */
  public static final class Builder {
    private final String name;
    private final FieldType type;
    private String displayName;
    private String description;
    private Object defaultValue;
    private List<String> options = List.of();
    private boolean required;
    private BigDecimal min;
    private BigDecimal max;
    private String role;

    private Builder(String name, FieldType type) {
      this.name = name;
      this.type = type;
    }

    public Builder displayName(String value) {
      this.displayName = value;
      return this;
    }

    public Builder description(String value) {
      this.description = value;
      return this;
    }

    public Builder defaultValue(Object value) {
      this.defaultValue = value;
      return this;
    }

    public Builder options(List<String> value) {
      this.options = value;
      return this;
    }

    public Builder required() {
      this.required = true;
      return this;
    }

    public Builder min(long value) {
      this.min = BigDecimal.valueOf(value);
      return this;
    }

    public Builder max(long value) {
      this.max = BigDecimal.valueOf(value);
      return this;
    }

    public Builder role(String value) {
      this.role = value;
      return this;
    }

    public SchemaField build() {
      return new SchemaField(
          name, type, displayName, description, defaultValue, options, required, min, max, role);
    }
  }
}
