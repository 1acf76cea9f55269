package dev.pouch.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code pouch apply -f keys.yaml [--url URL] [--dry-run]}: keys as code, through a running
 * server's admin API (any store, no restart, the server's own checks), with the admin token from
 * {@code POUCH_ADMIN_TOKEN}. Reads the file ({@link KeysFile}), asks the server which config fields
 * are secret ({@code GET /api/plugins}), refuses inline secrets, reads {@code {env: NAME}} values,
 * and sends the document to {@code POST /api/apply}, which creates, updates or leaves each team and
 * key as it finds it. Prints what happened, a created key's secret once, and the server's errors at
 * the file's line.
 */
final class ApplyCommand {
  /** Where {@code --url} points by default. */
  static final String DEFAULT_URL = "http://localhost:8080";

  /** The environment variable of {@code --url}. */
  static final String URL_ENV = "POUCH_URL";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern KEY = Pattern.compile("keys\\[\\d+]");
  private static final Pattern PLUGIN =
      Pattern.compile("keys\\[\\d+]\\.(provider|middlewares\\[\\d+])");
  private static final Pattern CONFIG =
      Pattern.compile("(keys\\[\\d+]\\.(provider|middlewares\\[\\d+]))\\.config");
  private static final Pattern BUDGET = Pattern.compile(".*budgets\\[\\d+]");
  private static final Pattern TEAM = Pattern.compile("teams\\[\\d+]");

  private final URI base;
  private final String token;
  private final PrintStream out;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private ApplyCommand(URI base, String token, PrintStream out) {
    this.base = base;
    this.token = token;
    this.out = out;
  }

  /** A failure already worded for the user. */
  private static class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** Applies {@code file} to the server at {@code url}; returns the exit status. */
  static int run(
      Path file,
      String url,
      boolean dryRun,
      Map<String, String> env,
      PrintStream out,
      PrintStream err) {
    String token = env.get(Setting.ADMIN_TOKEN.env());
    if (token == null || token.isBlank()) {
      err.println(
          "pouch: set " + Setting.ADMIN_TOKEN.env() + " to the server's admin token to apply");
      return PouchCli.USAGE;
    }
    String target = url != null ? url : env.getOrDefault(URL_ENV, DEFAULT_URL);
    URI base;
    try {
      base = URI.create(target.endsWith("/") ? target : target + "/");
      if (base.getScheme() == null || !base.getScheme().startsWith("http")) {
        throw new IllegalArgumentException("not an http(s) URL");
      }
    } catch (IllegalArgumentException bad) {
      err.println("pouch: --url " + target + " is not an http(s) URL");
      return PouchCli.USAGE;
    }
    try {
      KeysFile keys = KeysFile.read(file);
      ApplyCommand command = new ApplyCommand(base, token, out);
      KeysFile.Schemas schemas = command.schemas();
      Map<String, Object> document = new LinkedHashMap<>(keys.resolve(schemas, env));
      document.put("dry_run", dryRun);
      command.apply(keys, schemas, document, file);
      return 0;
    } catch (IllegalArgumentException | Refused refused) {
      err.println("pouch: " + refused.getMessage());
      return 1;
    }
  }

  private KeysFile.Schemas schemas() throws Refused {
    JsonNode plugins = send("GET", "api/plugins", null);
    return new KeysFile.Schemas(
        fields(plugins.path("providers")), fields(plugins.path("middlewares")));
  }

  private static Map<String, KeysFile.PluginFields> fields(JsonNode plugins) {
    Map<String, KeysFile.PluginFields> byId = new LinkedHashMap<>();
    for (JsonNode plugin : plugins) {
      List<String> names = new ArrayList<>();
      Set<String> secrets = new LinkedHashSet<>();
      for (JsonNode field : plugin.path("schema").path("fields")) {
        names.add(field.path("name").asText());
        if ("secret".equals(field.path("type").asText())) {
          secrets.add(field.path("name").asText());
        }
      }
      byId.put(plugin.path("id").asText(), new KeysFile.PluginFields(names, secrets));
    }
    return byId;
  }

  private void apply(
      KeysFile keys, KeysFile.Schemas schemas, Map<String, Object> document, Path file)
      throws Refused {
    JsonNode result;
    try {
      result = send("POST", "api/apply", document);
    } catch (ServerRefusal refusal) {
      String param = refusal.param();
      String message = refusal.getMessage();
      if (param != null && message.startsWith("unknown ")) {
        message += suggestion(param, document, schemas);
      }
      throw new Refused(param == null ? file + ": " + message : keys.yaml().error(param, message));
    }
    boolean dryRun = result.path("dry_run").asBoolean();
    if (dryRun) {
      out.println("Dry run: nothing was changed.");
    }
    Map<String, int[]> counts = new LinkedHashMap<>();
    for (String action : List.of("created", "updated", "unchanged")) {
      counts.put(action, new int[2]); // keys, teams
    }
    report(result.path("teams"), "team", dryRun, counts);
    report(result.path("keys"), "key", dryRun, counts);
    counts.forEach(
        (action, count) -> {
          if (count[0] + count[1] > 0) {
            out.println(
                verb(action, dryRun)
                    + ": "
                    + String.join(", ", amounts(count[0], "key", count[1], "team")));
          }
        });
    int[] created = counts.get("created");
    int[] updated = counts.get("updated");
    if (created[0] + created[1] + updated[0] + updated[1] == 0) {
      out.println(dryRun ? "Nothing would change." : "Nothing changed.");
    }
    JsonNode leftAlone = result.path("left_alone");
    int keysLeft = leftAlone.path("keys").size();
    int teamsLeft = leftAlone.path("teams").size();
    if (keysLeft + teamsLeft > 0) {
      out.println(
          "left alone (on the server, not in "
              + file.getFileName()
              + "): "
              + String.join(", ", amounts(keysLeft, "key", teamsLeft, "team"))
              + ": "
              + names(leftAlone.path("keys"), leftAlone.path("teams")));
    }
  }

  private void report(JsonNode items, String kind, boolean dryRun, Map<String, int[]> counts) {
    for (JsonNode item : items) {
      String action = item.path("action").asText();
      counts.computeIfAbsent(action, a -> new int[2])[kind.equals("key") ? 0 : 1]++;
      StringBuilder line =
          new StringBuilder(verb(action, dryRun) + " " + kind + " " + item.path("name").asText());
      if (!item.path("id").isNull()) {
        line.append(" (").append(item.path("id").asText()).append(")");
      }
      if (item.path("changed").size() > 0) {
        List<String> changed = new ArrayList<>();
        item.path("changed").forEach(field -> changed.add(field.asText()));
        line.append(": ").append(String.join(", ", changed));
      }
      if (item.hasNonNull("key")) {
        // The key's secret exists only now: Pouch stores its hash.
        line.append("\n    secret (shown once, store it now): ").append(item.path("key").asText());
      }
      out.println(line);
    }
  }

  /** {@code created}, or {@code would create} in a dry run. */
  private static String verb(String action, boolean dryRun) {
    if (!dryRun || action.equals("unchanged")) {
      return action;
    }
    return "would " + action.substring(0, action.length() - 1); // created: would create
  }

  private static List<String> amounts(int keys, String key, int teams, String team) {
    List<String> parts = new ArrayList<>();
    if (keys > 0) {
      parts.add(keys + " " + key + (keys == 1 ? "" : "s"));
    }
    if (teams > 0) {
      parts.add(teams + " " + team + (teams == 1 ? "" : "s"));
    }
    return parts;
  }

  private static String names(JsonNode keys, JsonNode teams) {
    List<String> names = new ArrayList<>();
    keys.forEach(
        key ->
            names.add("key " + key.path("name").asText() + " (" + key.path("id").asText() + ")"));
    teams.forEach(
        team ->
            names.add(
                "team " + team.path("name").asText() + " (" + team.path("id").asText() + ")"));
    return String.join(", ", names);
  }

  /** The closest known field to an unknown one the server refused, as a hint. */
  private static String suggestion(
      String param, Map<String, Object> document, KeysFile.Schemas schemas) {
    int cut = param.lastIndexOf('.');
    String parent = cut < 0 ? "" : param.substring(0, cut);
    String name = param.substring(cut + 1);
    List<String> candidates = List.of();
    Matcher config = CONFIG.matcher(parent);
    if (KEY.matcher(parent).matches()) {
      candidates = KeysFile.KEY_FIELDS;
    } else if (PLUGIN.matcher(parent).matches()) {
      candidates = List.of("id", "config");
    } else if (config.matches()) {
      Map<String, KeysFile.PluginFields> plugins =
          config.group(2).equals("provider") ? schemas.providers() : schemas.middlewares();
      KeysFile.PluginFields fields =
          plugins.get(String.valueOf(at(document, config.group(1) + ".id")));
      candidates = fields == null ? List.of() : fields.fields();
    } else if (BUDGET.matcher(parent).matches()) {
      candidates = List.of("limit_micros", "reset_period_seconds");
    } else if (TEAM.matcher(parent).matches()) {
      candidates = List.of("name", "budgets");
    }
    return KeysFile.hint(name, candidates);
  }

  /** The value at {@code path} ({@code keys[1].provider.id}) in a document, or null. */
  private static Object at(Object root, String path) {
    Object value = root;
    for (String part : path.split("\\.")) {
      Matcher indexed = Pattern.compile("([^\\[]+)((\\[\\d+])*)").matcher(part);
      if (!indexed.matches() || !(value instanceof Map<?, ?> map)) {
        return null;
      }
      value = map.get(indexed.group(1));
      Matcher index = Pattern.compile("\\[(\\d+)]").matcher(indexed.group(2));
      while (index.find()) {
        int i = Integer.parseInt(index.group(1));
        if (!(value instanceof List<?> list) || i >= list.size()) {
          return null;
        }
        value = list.get(i);
      }
    }
    return value;
  }

  /** The server refused the document: its error message and the field it named. */
  private static final class ServerRefusal extends Refused {
    private static final long serialVersionUID = 1L;
    private final String param;

    ServerRefusal(String message, String param) {
      super(message);
      this.param = param;
    }

    String param() {
      return param;
    }
  }

  private JsonNode send(String method, String path, Object body) throws Refused {
    URI uri = base.resolve(path);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofMinutes(2))
            .header("Authorization", "Bearer " + token);
    try {
      if (body == null) {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      } else {
        request
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
      }
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException(impossible);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException refused) {
      throw new Refused("cannot reach " + uri + " (is the server running? --url sets where)");
    } catch (IOException failed) {
      throw new Refused(method + " " + uri + " failed: " + failed);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new Refused(method + " " + uri + " was interrupted");
    }
    JsonNode answer;
    try {
      answer = JSON.readTree(response.body());
    } catch (JsonProcessingException notJson) {
      answer = null;
    }
    if (response.statusCode() == 401) {
      throw new Refused(uri + " refused the admin token in " + Setting.ADMIN_TOKEN.env());
    }
    if (response.statusCode() / 100 != 2 || answer == null) {
      JsonNode error = answer == null ? null : answer.path("error");
      if (error == null || error.isMissingNode()) {
        throw new Refused(method + " " + uri + " answered " + response.statusCode());
      }
      throw new ServerRefusal(error.path("message").asText(), error.path("param").asText(null));
    }
    return answer;
  }
}
