package dev.pouch.domain.plugin;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A validated plugin configuration: values typed as its schema says ({@link String}, {@link Long},
 * {@link BigDecimal}, {@link Boolean}), defaults applied. Produced only by {@link
 * PluginSchema#validate}, so a plugin can read it without checking types again.
 */
public final class PluginConfig {
  /** A configuration with no values. */
  public static final PluginConfig EMPTY = new PluginConfig(Map.of());

  private final Map<String, Object> values;

  PluginConfig(Map<String, Object> values) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /**
   * Rebuilds a config that was validated before it was stored (stores call this when loading a
   * key). Values must already have the schema's Java types.
   */
  public static PluginConfig restore(Map<String, Object> values) {
    for (Map.Entry<String, Object> entry : values.entrySet()) {
      Object value = entry.getValue();
      if (!(value instanceof String
          || value instanceof Long
          || value instanceof BigDecimal
          || value instanceof Boolean)) {
        throw new IllegalArgumentException("config value of unexpected type: " + entry.getKey());
      }
    }
    return new PluginConfig(values);
  }

  /** All values, in schema order; unmodifiable. */
  public Map<String, Object> values() {
    return values;
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  /** A string, select or secret value, or {@code fallback} when absent. */
  public String string(String name, String fallback) {
    Object value = values.get(name);
    return value == null ? fallback : (String) value;
  }

  /** An integer value, or {@code fallback} when absent. */
  public long integer(String name, long fallback) {
    Object value = values.get(name);
    return value == null ? fallback : (Long) value;
  }

  /** A number value, or {@code fallback} when absent. */
  public BigDecimal decimal(String name, BigDecimal fallback) {
    Object value = values.get(name);
    return value == null ? fallback : (BigDecimal) value;
  }

  /** A boolean value, or {@code fallback} when absent. */
  public boolean bool(String name, boolean fallback) {
    Object value = values.get(name);
    return value == null ? fallback : (Boolean) value;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PluginConfig that && values.equals(that.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(values);
  }

  /** Never prints values: configs may hold secrets. */
  @Override
  public String toString() {
    return "PluginConfig" + values.keySet();
  }
}
