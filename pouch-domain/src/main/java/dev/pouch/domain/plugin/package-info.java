/**
 * Plugin schemas: what a provider or middleware declares about its configuration, and the
 * validation that turns a client's raw JSON-like map into a typed, defaulted {@link
 * dev.pouch.domain.plugin.PluginConfig}. The admin UI renders forms from the same schema.
 */
package dev.pouch.domain.plugin;
