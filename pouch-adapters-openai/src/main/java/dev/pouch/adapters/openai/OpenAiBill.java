package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.pouch.domain.bill.BillReport;
import dev.pouch.domain.bill.BilledLine;
import dev.pouch.domain.bill.ProviderBill;
import dev.pouch.domain.plugin.PluginConfig;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenAI's bill, read with an organization admin key ({@code sk-admin-…}): the Costs API ({@code
 * GET /v1/organization/costs}, daily buckets grouped by line item, amounts in dollars) for the
 * money, the completions Usage API ({@code GET /v1/organization/usage/completions}, grouped by
 * model) for the tokens, each followed through its pages ({@code has_more}, {@code next_page}).
 *
 * <p>A line item such as {@code "gpt-4o-mini-2024-07-18, input"} is attributed to the model before
 * its first comma. A dollar amount becomes micro-dollars exactly (the JSON number read as a
 * decimal, never a double), rounded half-up to the micro-dollar.
 */
public final class OpenAiBill implements ProviderBill {
  private static final Logger log = LoggerFactory.getLogger(OpenAiBill.class);
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

  /** Daily buckets per page: the most the usage endpoints take for {@code 1d}. */
  static final int PAGE_LIMIT = 31;

  /** Pages followed at most per report: a cursor that never ends must not loop forever. */
  static final int MAX_PAGES = 200;

  /** Report bodies larger than this are refused. */
  private static final long MAX_BODY_BYTES = 16L << 20;

  private final String adminKey;
  private final HttpUrl base;
  private final OkHttpClient client;
  private final Predicate<PluginConfig> covers;

  /**
   * @param adminKey the organization's admin key, or {@code null}: the bill is then unavailable
   * @param base the API root, such as {@code https://api.openai.com/v1}
   * @param client the provider's HTTP client
   * @param covers whether a key's config sends its requests to this organization's API
   */
  OpenAiBill(String adminKey, HttpUrl base, OkHttpClient client, Predicate<PluginConfig> covers) {
    this.adminKey = adminKey == null || adminKey.isBlank() ? null : adminKey;
    this.base = base;
    this.client = client;
    this.covers = covers;
  }

  @Override
  public String providerId() {
    return OpenAiProviderFactory.ID;
  }

  @Override
  public boolean covers(PluginConfig config) {
    return covers.test(config);
  }

  @Override
  public BillReport fetch(LocalDate from, LocalDate to) {
    if (adminKey == null) {
      return new BillReport.Unavailable(
          "no admin key: set POUCH_OPENAI_ADMIN_KEY to an organization admin key (sk-admin-…)");
    }
    long start = from.atStartOfDay().toEpochSecond(ZoneOffset.UTC);
    long end = to.plusDays(1).atStartOfDay().toEpochSecond(ZoneOffset.UTC);
    List<BilledLine> lines = new ArrayList<>();
    try {
      for (JsonNode bucket : buckets("organization/costs", "line_item", start, end)) {
        LocalDate day = day(bucket);
        for (JsonNode result : bucket.path("results")) {
          lines.add(
              new BilledLine(day, lineItemModel(result.path("line_item")), micros(result), 0, 0));
        }
      }
      for (JsonNode bucket : buckets("organization/usage/completions", "model", start, end)) {
        LocalDate day = day(bucket);
        for (JsonNode result : bucket.path("results")) {
          String model = result.path("model").isTextual() ? result.path("model").asText() : null;
          lines.add(
              new BilledLine(
                  day, model, 0, tokens(result, "input_tokens"), tokens(result, "output_tokens")));
        }
      }
    } catch (Failure failure) {
      log.atWarn()
          .addKeyValue("provider", providerId())
          .addKeyValue("status", failure.status)
          .addKeyValue("detail", failure.getMessage())
          .log("reading the provider's bill failed");
      return new BillReport.Failed(failure.status, failure.getMessage());
    }
    return new BillReport.Billed(lines);
  }

  /** Every bucket of one report over its pages. */
  private List<JsonNode> buckets(String path, String groupBy, long start, long end) throws Failure {
    List<JsonNode> buckets = new ArrayList<>();
    String page = null;
    for (int pages = 0; pages < MAX_PAGES; pages++) {
      HttpUrl.Builder url =
          base.newBuilder()
              .addPathSegments(path)
              .addQueryParameter("start_time", Long.toString(start))
              .addQueryParameter("end_time", Long.toString(end))
              .addQueryParameter("bucket_width", "1d")
              .addQueryParameter("group_by", groupBy)
              .addQueryParameter("limit", Integer.toString(PAGE_LIMIT));
      if (page != null) {
        url.addQueryParameter("page", page);
      }
      JsonNode body = get(url.build(), path);
      if (!body.path("data").isArray()) {
        throw new Failure(0, path + " answered without a data array");
      }
      body.path("data").forEach(buckets::add);
      if (!body.path("has_more").asBoolean(false)) {
        return buckets;
      }
      JsonNode next = body.path("next_page");
      if (!next.isTextual() || next.asText().isEmpty()) {
        throw new Failure(0, path + " has more pages but gave no next_page");
      }
      page = next.asText();
    }
    throw new Failure(0, path + " had more than " + MAX_PAGES + " pages");
  }

  private JsonNode get(HttpUrl url, String path) throws Failure {
    Request request =
        new Request.Builder().url(url).header("Authorization", "Bearer " + adminKey).get().build();
    try (Response response = client.newCall(request).execute()) {
      BufferedSource source = response.body().source();
      if (source.request(MAX_BODY_BYTES + 1)) {
        throw new Failure(response.code(), path + " answered a body too large to read");
      }
      byte[] bytes = source.readByteArray();
      if (!response.isSuccessful()) {
        throw new Failure(
            response.code(), path + " answered " + response.code() + errorMessage(bytes));
      }
      return JSON.readTree(bytes);
    } catch (IOException unreachable) {
      throw new Failure(
          0,
          path
              + " failed: "
              + unreachable.getClass().getSimpleName()
              + " "
              + unreachable.getMessage());
    }
  }

  /** OpenAI's {@code error.message}, when the body has one. */
  private static String errorMessage(byte[] body) {
    try {
      JsonNode message = JSON.readTree(body).path("error").path("message");
      return message.isTextual() ? ": " + message.asText() : "";
    } catch (IOException notJson) {
      return "";
    }
  }

  private static LocalDate day(JsonNode bucket) throws Failure {
    JsonNode start = bucket.path("start_time");
    if (!start.canConvertToLong()) {
      throw new Failure(0, "a bucket without start_time");
    }
    return LocalDate.ofInstant(Instant.ofEpochSecond(start.asLong()), ZoneOffset.UTC);
  }

  /** The model a line item names before its first comma, or {@code null} for no line item. */
  static String lineItemModel(JsonNode lineItem) {
    if (!lineItem.isTextual()) {
      return null;
    }
    String text = lineItem.asText();
    int comma = text.indexOf(',');
    return (comma < 0 ? text : text.substring(0, comma)).strip();
  }

  /** A result's {@code amount.value} (dollars) in micro-dollars, half-up. */
  private static long micros(JsonNode result) throws Failure {
    JsonNode amount = result.path("amount");
    String currency = amount.path("currency").asText("usd");
    if (!"usd".equals(currency.toLowerCase(Locale.ROOT))) {
      throw new Failure(0, "a cost in " + currency + ", not usd");
    }
    JsonNode value = amount.path("value");
    if (!value.isNumber()) {
      return 0; // OpenAI documents amount as optional
    }
    return toMicros(value.decimalValue());
  }

  /** Dollars to micro-dollars, half-up; a negative amount (a credit) is refused. */
  static long toMicros(BigDecimal dollars) throws Failure {
    if (dollars.signum() < 0) {
      throw new Failure(0, "a negative cost: " + dollars.toPlainString());
    }
    try {
      return dollars.movePointRight(6).setScale(0, RoundingMode.HALF_UP).longValueExact();
    } catch (ArithmeticException tooLarge) {
      throw new Failure(0, "a cost beyond any budget: " + dollars.toPlainString());
    }
  }

  private static long tokens(JsonNode result, String field) throws Failure {
    JsonNode value = result.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return 0;
    }
    if (!value.canConvertToExactIntegral() || value.asLong() < 0) {
      throw new Failure(0, field + " is not a token count");
    }
    return value.asLong();
  }

  /** The bill could not be read. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    Failure(int status, String message) {
      super(message);
      this.status = status;
    }
  }
}
