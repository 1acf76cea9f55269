package dev.pouch.adapters.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.key.EndUserPolicy;
import dev.pouch.domain.key.Fallback;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.plugin.PluginConfig;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link KeyPolicy} as the JSON of {@code app_keys.policy_json}:
 *
 * <pre>{@code
 * {"provider": {"id": "openai", "config": {"base_url": {"string": "https://…"}}},
 *  "fallbacks": [{"id": "anthropic", "config": {…}, "model": "claude-sonnet-4-5"}],
 *  "middlewares": [{"id": "rate-limit", "config": {"per_minute": {"integer": 60}}}],
 *  "allowed_models": ["gpt-4o-mini"],
 *  "end_user": {"source": "user", "required": true,
 *               "budgets": [{"limit_micros": 1000000, "reset_period_seconds": 86400}]}}
 * }</pre>
 *
 * ({@code end_user} only on a key that tells its end users apart.)
 *
 * <p>Each config value is tagged with its Java type ({@code string}, {@code integer} for {@link
 * Long}, {@code decimal} for {@link BigDecimal} written as a string so its scale survives, {@code
 * boolean}), so a config comes back with exactly the types and order it was stored with. A policy
 * stored before fallbacks existed has no {@code fallbacks}: none.
 *
 * <p>One format for every SQL store, so a key moved between stores reads back the same.
 */
public final class PolicyJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String STRING = "string";
  private static final String INTEGER = "integer";
  private static final String DECIMAL = "decimal";
  private static final String BOOLEAN = "boolean";

  private PolicyJson() {}

  /** The JSON of {@code policy}. */
  public static String write(KeyPolicy policy) {
    ObjectNode root = JSON.createObjectNode();
    root.set("provider", plugin(policy.provider()));
    if (!policy.fallbacks().isEmpty()) {
      ArrayNode fallbacks = root.putArray("fallbacks");
      for (Fallback fallback : policy.fallbacks()) {
        ObjectNode node = plugin(fallback.provider());
        if (fallback.model() != null) {
          node.put("model", fallback.model());
        }
        fallbacks.add(node);
      }
    }
    ArrayNode middlewares = root.putArray("middlewares");
    policy.middlewares().forEach(middleware -> middlewares.add(plugin(middleware)));
    ArrayNode models = root.putArray("allowed_models");
    policy.allowedModels().forEach(models::add);
    EndUserPolicy endUser = policy.endUser();
    if (endUser != null) {
      ObjectNode node = root.putObject("end_user");
      node.put("source", endUser.source().wireName());
      node.put("required", endUser.required());
      ArrayNode budgets = node.putArray("budgets");
      for (BudgetTerms terms : endUser.budgets()) {
        budgets
            .addObject()
            .put("limit_micros", terms.limitMicros())
            .put("reset_period_seconds", terms.resetPeriodSeconds());
      }
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a key policy as JSON", e);
    }
  }

  /** The policy stored as {@code json}; fails loudly on JSON it cannot read. */
  public static KeyPolicy read(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored key policy is not JSON", e);
    }
    PluginRef provider = plugin(required(root, "provider"));
    List<Fallback> fallbacks = new ArrayList<>();
    JsonNode storedFallbacks = root.get("fallbacks");
    if (storedFallbacks != null) {
      storedFallbacks.forEach(
          node ->
              fallbacks.add(
                  new Fallback(
                      plugin(node), node.hasNonNull("model") ? node.get("model").asText() : null)));
    }
    List<PluginRef> middlewares = new ArrayList<>();
    required(root, "middlewares").forEach(node -> middlewares.add(plugin(node)));
    List<String> models = new ArrayList<>();
    required(root, "allowed_models").forEach(node -> models.add(node.asText()));
    return new KeyPolicy(provider, fallbacks, middlewares, models, endUser(root.get("end_user")));
  }

  private static EndUserPolicy endUser(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    String source = required(node, "source").asText();
    List<BudgetTerms> budgets = new ArrayList<>();
    required(node, "budgets")
        .forEach(
            terms ->
                budgets.add(
                    new BudgetTerms(
                        required(terms, "limit_micros").longValue(),
                        required(terms, "reset_period_seconds").longValue())));
    return new EndUserPolicy(
        EndUserPolicy.Source.ofWire(source)
            .orElseThrow(
                () -> new IllegalStateException("stored end-user source is unknown: " + source)),
        required(node, "required").booleanValue(),
        budgets);
  }

  private static ObjectNode plugin(PluginRef ref) {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", ref.id());
    ObjectNode config = node.putObject("config");
    ref.config().values().forEach((name, value) -> config.set(name, tagged(name, value)));
    return node;
  }

  private static ObjectNode tagged(String name, Object value) {
    ObjectNode node = JSON.createObjectNode();
    if (value instanceof String text) {
      node.put(STRING, text);
    } else if (value instanceof Long number) {
      node.put(INTEGER, number);
    } else if (value instanceof BigDecimal decimal) {
      node.put(DECIMAL, decimal.toString());
    } else if (value instanceof Boolean flag) {
      node.put(BOOLEAN, flag);
    } else {
      throw new IllegalArgumentException("config value of unexpected type: " + name);
    }
    return node;
  }

  private static PluginRef plugin(JsonNode node) {
    String id = required(node, "id").asText();
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : required(node, "config").properties()) {
      values.put(field.getKey(), untagged(field.getKey(), field.getValue()));
    }
    return new PluginRef(id, PluginConfig.restore(values));
  }

  private static Object untagged(String name, JsonNode node) {
    if (node.isObject() && node.size() == 1) {
      Map.Entry<String, JsonNode> tagged = node.properties().iterator().next();
      JsonNode value = tagged.getValue();
      switch (tagged.getKey()) {
        case STRING:
          if (value.isTextual()) {
            return value.textValue();
          }
          break;
        case INTEGER:
          if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.longValue();
          }
          break;
        case DECIMAL:
          if (value.isTextual()) {
            return new BigDecimal(value.textValue());
          }
          break;
        case BOOLEAN:
          if (value.isBoolean()) {
            return value.booleanValue();
          }
          break;
        default:
          break;
      }
    }
    throw new IllegalStateException("stored config value is not a tagged value: " + name);
  }

  private static JsonNode required(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalStateException("stored key policy lacks \"" + field + "\"");
    }
    return value;
  }
}
