package dev.pouch.application.middlewares;

import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;

/** Schema fields that several built-in middlewares share, defined once. */
final class CommonFields {
  private CommonFields() {}

  /** {@code period}: the length of a limit's period in seconds, default 60. */
  static SchemaField period() {
    return SchemaField.builder("period", FieldType.INTEGER)
        .displayName("Period (seconds)")
        .description("The length of the period.")
        .defaultValue(60L)
        .min(1)
        .max(31_536_000)
        .build();
  }

  /** {@code webhook_url}: where JSON notices are POSTed. */
  static SchemaField webhookUrl(String description, boolean required) {
    SchemaField.Builder field =
        SchemaField.builder("webhook_url", FieldType.STRING)
            .displayName("Webhook URL")
            .description(description)
            .max(2_000)
            .role(PluginSchema.URL_ROLE);
    return required ? field.required().build() : field.build();
  }
}
