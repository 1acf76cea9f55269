package dev.pouch.application.plugins;

import dev.pouch.application.port.out.SecretSealer;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.SchemaField;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code secret} fields of plugin configs, known from the plugin schemas, sealed and opened
 * with a {@link SecretSealer}. Key policies hold sealed values from validation to storage and back;
 * only the plugin instances built for a key see plaintext.
 */
public final class SecretFields {
  private final SecretSealer sealer;

  public SecretFields(SecretSealer sealer) {
    this.sealer = Objects.requireNonNull(sealer, "sealer");
  }

  public SecretSealer sealer() {
    return sealer;
  }

  /** Names of the secret fields of a plugin (empty when it is not installed). */
  public static Set<String> secretNames(PluginRegistry<?> registry, String pluginId) {
    return registry
        .info(pluginId)
        .map(PluginInfo::schema)
        .map(
            schema ->
                schema.fields().stream()
                    .filter(f -> f.type() == FieldType.SECRET)
                    .map(SchemaField::name)
                    .collect(Collectors.toUnmodifiableSet()))
        .orElse(Set.of());
  }

  /**
   * Seals the secret values of a freshly validated reference. A value listed in {@code kept} (the
   * stored, sealed value of a secret the admin left unchanged, by field name) is reused as stored
   * when its plaintext is the value now in the config, so an edit that keeps a secret keeps the
   * policy equal.
   */
  public PluginRef seal(PluginRegistry<?> registry, PluginRef ref, Map<String, String> kept) {
    return map(
        registry,
        ref,
        (name, value) -> {
          String stored = kept.get(name);
          if (stored != null && sealer.isSealed(stored) && value.equals(sealer.open(stored))) {
            return stored;
          }
          return sealer.seal(value);
        });
  }

  /** The reference with its secret values opened, to build a plugin instance. */
  public PluginRef open(PluginRegistry<?> registry, PluginRef ref) {
    return map(registry, ref, (name, value) -> sealer.open(value));
  }

  /** The reference with every not-yet-sealed secret sealed (a start-up migration), or itself. */
  public PluginRef sealLegacy(PluginRegistry<?> registry, PluginRef ref) {
    return map(
        registry,
        ref,
        (name, value) -> {
          // Opening fails now, at start, when the value was sealed under another master key.
          String plaintext = sealer.open(value);
          return sealer.isSealed(value) ? value : sealer.seal(plaintext);
        });
  }

  /** The plaintext of a stored secret value. */
  public String open(String stored) {
    return sealer.open(stored);
  }

  private interface ValueMapper {
    String apply(String name, String value);
  }

  private static PluginRef map(PluginRegistry<?> registry, PluginRef ref, ValueMapper mapper) {
    Set<String> secrets = secretNames(registry, ref.id());
    if (secrets.isEmpty()) {
      return ref;
    }
    boolean changed = false;
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : ref.config().values().entrySet()) {
      Object value = entry.getValue();
      if (secrets.contains(entry.getKey()) && value instanceof String text) {
        String mapped = mapper.apply(entry.getKey(), text);
        changed |= !mapped.equals(text);
        value = mapped;
      }
      values.put(entry.getKey(), value);
    }
    return changed ? new PluginRef(ref.id(), PluginConfig.restore(values)) : ref;
  }
}
