package dev.pouch.domain.plugin;

import java.util.Objects;

/**
 * What a plugin tells about itself: shown in {@code GET /api/plugins} and used to validate configs.
 *
 * @param id stable identifier used in key policies ({@code "mock"}, {@code "rate_limit"})
 * @param displayName human name for the UI
 * @param description one or two sentences for the UI
 * @param schema configuration schema
 * @param isDefault whether new keys get this middleware unless the admin removes it
 */
public record PluginInfo(
    String id, String displayName, String description, PluginSchema schema, boolean isDefault) {
  public PluginInfo {
    Objects.requireNonNull(id, "id");
    if (!id.matches("[a-z][a-z0-9_\\-]{0,63}")) {
      throw new IllegalArgumentException("plugin id must be lower-case snake/kebab case: " + id);
    }
    displayName = displayName == null ? id : displayName;
    description = description == null ? "" : description;
    Objects.requireNonNull(schema, "schema");
  }
}
