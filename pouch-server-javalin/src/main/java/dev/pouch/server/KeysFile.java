package dev.pouch.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code keys.yaml}, the document {@code pouch apply} sends to {@code POST /api/apply}: {@code
 * teams} and {@code keys}, each key the admin API's key draft with a unique {@code name} and its
 * team by name ({@code team}). Values may be read from the environment, {@code {env: NAME}}; a
 * secret config field (by its plugin's schema) must be read so, never written inline. Errors name
 * the file, the line and the field ({@link LocatedYaml#error}).
 */
final class KeysFile {
  /** The document's fields; {@code dry_run} is the command line's, not the file's. */
  static final Set<String> DOCUMENT_FIELDS = Set.of("teams", "keys");

  /** The fields of a key entry, for suggestions only: the server decides what it takes. */
  static final List<String> KEY_FIELDS =
      List.of(
          "name",
          "team",
          "provider",
          "fallbacks",
          "middlewares",
          "allowed_models",
          "budgets",
          "budget_limit_micros",
          "reset_period_seconds",
          "expires_at",
          "auto_renew");

  private static final String ENV = "env";

  private final LocatedYaml yaml;
  private final Map<String, Object> document;

  private KeysFile(LocatedYaml yaml, Map<String, Object> document) {
    this.yaml = yaml;
    this.document = document;
  }

  /** One plugin's config fields, and which of them are secret. */
  record PluginFields(List<String> fields, Set<String> secrets) {}

  /**
   * The config fields of each installed plugin ({@code GET /api/plugins}).
   *
   * @param providers by provider id
   * @param middlewares by middleware id
   */
  record Schemas(Map<String, PluginFields> providers, Map<String, PluginFields> middlewares) {}

  /**
   * Reads and checks the file's shape.
   *
   * @throws IllegalArgumentException naming the file, the line and the field
   */
  @SuppressWarnings("unchecked")
  static KeysFile read(Path file) {
    LocatedYaml yaml = LocatedYaml.read(file);
    if (!(yaml.root() instanceof Map<?, ?> root)) {
      throw new IllegalArgumentException(
          yaml.error("", "must be a mapping with 'teams' and 'keys'"));
    }
    for (Object field : root.keySet()) {
      String name = String.valueOf(field);
      if (!DOCUMENT_FIELDS.contains(name)) {
        throw new IllegalArgumentException(
            yaml.error(name, "unknown field" + hint(name, DOCUMENT_FIELDS)));
      }
    }
    return new KeysFile(yaml, (Map<String, Object>) root);
  }

  LocatedYaml yaml() {
    return yaml;
  }

  /**
   * The document to send: secret fields checked against {@code schemas}, every {@code {env: NAME}}
   * replaced by the variable's value from {@code env}.
   *
   * @throws IllegalArgumentException for an inline secret or a variable that is not set, naming the
   *     file, the line and the field
   */
  Map<String, Object> resolve(Schemas schemas, Map<String, String> env) {
    List<?> keys = document.get("keys") instanceof List<?> list ? list : List.of();
    for (int i = 0; i < keys.size(); i++) {
      if (!(keys.get(i) instanceof Map<?, ?> key)) {
        continue; // the server names a malformed entry
      }
      String where = "keys[" + i + "]";
      if (key.get("provider") instanceof Map<?, ?> provider) {
        requireSecretsFromEnvironment(provider, where + ".provider", schemas.providers());
      }
      if (key.get("fallbacks") instanceof List<?> fallbacks) {
        for (int f = 0; f < fallbacks.size(); f++) {
          if (fallbacks.get(f) instanceof Map<?, ?> fallback) {
            requireSecretsFromEnvironment(
                fallback, where + ".fallbacks[" + f + "]", schemas.providers());
          }
        }
      }
      if (key.get("middlewares") instanceof List<?> middlewares) {
        for (int m = 0; m < middlewares.size(); m++) {
          if (middlewares.get(m) instanceof Map<?, ?> middleware) {
            requireSecretsFromEnvironment(
                middleware, where + ".middlewares[" + m + "]", schemas.middlewares());
          }
        }
      }
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> resolved = (Map<String, Object>) fromEnvironment(document, "", env);
    return resolved;
  }

  /** The closest of {@code candidates} to a misspelled field, as a hint, or "". */
  static String hint(String name, java.util.Collection<String> candidates) {
    return Suggestion.closest(name, candidates)
        .map(closest -> " (did you mean '" + closest + "'?)")
        .orElse("");
  }

  private void requireSecretsFromEnvironment(
      Map<?, ?> plugin, String where, Map<String, PluginFields> schemas) {
    PluginFields schema = schemas.get(String.valueOf(plugin.get("id")));
    Set<String> secrets = schema == null ? Set.of() : schema.secrets();
    if (!(plugin.get("config") instanceof Map<?, ?> config)) {
      return;
    }
    for (Map.Entry<?, ?> field : config.entrySet()) {
      String path = where + ".config." + field.getKey();
      if (secrets.contains(String.valueOf(field.getKey()))
          && field.getValue() != null
          && environmentName(field.getValue()) == null) {
        throw new IllegalArgumentException(
            yaml.error(
                path,
                "a secret is never written in the file: give it as {env: VARIABLE}, read from the"
                    + " environment of pouch apply"));
      }
    }
  }

  private Object fromEnvironment(Object value, String path, Map<String, String> env) {
    String variable = environmentName(value);
    if (variable != null) {
      String found = env.get(variable);
      if (found == null || found.isEmpty()) {
        throw new IllegalArgumentException(
            yaml.error(path, "the environment variable " + variable + " is not set"));
      }
      return found;
    }
    if (value instanceof Map<?, ?> map) {
      if (map.containsKey(ENV)) {
        throw new IllegalArgumentException(
            yaml.error(path, "{env: NAME} takes one field, env, naming a variable"));
      }
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach(
          (name, child) ->
              copy.put(
                  String.valueOf(name),
                  fromEnvironment(child, path.isEmpty() ? "" + name : path + "." + name, env)));
      return copy;
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        copy.add(fromEnvironment(list.get(i), path + "[" + i + "]", env));
      }
      return copy;
    }
    return value;
  }

  /** The variable of an {@code {env: NAME}} reference, or null for any other value. */
  private static String environmentName(Object value) {
    if (value instanceof Map<?, ?> map
        && map.size() == 1
        && map.get(ENV) instanceof String name
        && !name.isBlank()) {
      return name;
    }
    return null;
  }
}
