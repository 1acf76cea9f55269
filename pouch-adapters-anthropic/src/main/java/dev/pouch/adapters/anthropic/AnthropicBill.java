package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anthropic's bill, read with an admin key ({@code sk-ant-admin…}) from the Usage and Cost Admin
 * API: {@code GET /v1/organizations/cost_report} (daily buckets grouped by {@code description}, so
 * each result names its model; {@code amount} a decimal string in cents) for the money, {@code GET
 * /v1/organizations/usage_report/messages} (daily buckets grouped by model) for the tokens, each
 * followed through its pages ({@code has_more}, {@code next_page}).
 *
 * <p>Cents become micro-dollars exactly (the decimal string read as a {@link BigDecimal}, times
 * 10,000), rounded half-up to the micro-dollar.
 */
public final class AnthropicBill implements ProviderBill {
  private static final Logger log = LoggerFactory.getLogger(AnthropicBill.class);

  /** Daily buckets per page: the most the report endpoints take for {@code 1d}. */
  static final int PAGE_LIMIT = 31;

  /** Pages followed at most per report: a cursor that never ends must not loop forever. */
  static final int MAX_PAGES = 200;

  private static final long MAX_BODY_BYTES = 16L << 20;

  private final String adminKey;
  private final HttpUrl base;
  private final OkHttpClient client;
  private final ObjectMapper json;

  AnthropicBill(String adminKey, HttpUrl base, OkHttpClient client, ObjectMapper json) {
    this.adminKey = adminKey == null || adminKey.isBlank() ? null : adminKey;
    this.base = base;
    this.client = client;
    this.json = json;
  }

  @Override
  public String providerId() {
    return AnthropicProviderFactory.ID;
  }

  /** Keys whose requests go to the API root this bill reads. */
  @Override
  public boolean covers(PluginConfig config) {
    HttpUrl keyBase =
        HttpUrl.parse(
            config
                .string(
                    AnthropicProviderFactory.BASE_URL, AnthropicProviderFactory.DEFAULT_BASE_URL)
                .strip());
    return base.equals(keyBase);
  }

  @Override
  public BillReport fetch(LocalDate from, LocalDate to) {
    if (adminKey == null) {
      return new BillReport.Unavailable(
          "no admin key: set POUCH_ANTHROPIC_ADMIN_KEY to an Anthropic admin key (sk-ant-admin…)");
    }
    String start = from.atStartOfDay().toInstant(ZoneOffset.UTC).toString();
    String end = to.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).toString();
    List<BilledLine> lines = new ArrayList<>();
    try {
      for (JsonNode bucket : buckets("v1/organizations/cost_report", "description", start, end)) {
        LocalDate day = day(bucket);
        for (JsonNode result : bucket.path("results")) {
          lines.add(new BilledLine(day, model(result), micros(result), 0, 0));
        }
      }
      for (JsonNode bucket :
          buckets("v1/organizations/usage_report/messages", "model", start, end)) {
        LocalDate day = day(bucket);
        for (JsonNode result : bucket.path("results")) {
          JsonNode writes = result.path("cache_creation");
          long input =
              Math.addExact(
                  Math.addExact(
                      tokens(result, "uncached_input_tokens"),
                      tokens(result, "cache_read_input_tokens")),
                  Math.addExact(
                      tokens(writes, "ephemeral_5m_input_tokens"),
                      tokens(writes, "ephemeral_1h_input_tokens")));
          lines.add(new BilledLine(day, model(result), 0, input, tokens(result, "output_tokens")));
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

  private List<JsonNode> buckets(String path, String groupBy, String start, String end)
      throws Failure {
    List<JsonNode> buckets = new ArrayList<>();
    String page = null;
    for (int pages = 0; pages < MAX_PAGES; pages++) {
      HttpUrl.Builder url =
          base.newBuilder()
              .addPathSegments(path)
              .addQueryParameter("starting_at", start)
              .addQueryParameter("ending_at", end)
              .addQueryParameter("bucket_width", "1d")
              .addQueryParameter("group_by[]", groupBy)
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
        new Request.Builder()
            .url(url)
            .header("x-api-key", adminKey)
            .header("anthropic-version", AnthropicHttp.DEFAULT_VERSION)
            .get()
            .build();
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
      return json.readTree(bytes);
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

  /** Anthropic's {@code error.message}, when the body has one. */
  private String errorMessage(byte[] body) {
    try {
      JsonNode message = json.readTree(body).path("error").path("message");
      return message.isTextual() ? ": " + message.asText() : "";
    } catch (IOException notJson) {
      return "";
    }
  }

  private static LocalDate day(JsonNode bucket) throws Failure {
    try {
      return LocalDate.ofInstant(
          Instant.parse(bucket.path("starting_at").asText()), ZoneOffset.UTC);
    } catch (DateTimeParseException notATime) {
      throw new Failure(0, "a bucket without an RFC 3339 starting_at");
    }
  }

  private static String model(JsonNode result) {
    JsonNode model = result.path("model");
    return model.isTextual() ? model.asText() : null;
  }

  /** A cost result's {@code amount} (a decimal string in cents) in micro-dollars, half-up. */
  private static long micros(JsonNode result) throws Failure {
    String currency = result.path("currency").asText("USD");
    if (!"USD".equals(currency.toUpperCase(Locale.ROOT))) {
      throw new Failure(0, "a cost in " + currency + ", not USD");
    }
    JsonNode amount = result.path("amount");
    if (amount.isMissingNode() || amount.isNull()) {
      return 0;
    }
    try {
      return centsToMicros(new BigDecimal(amount.asText()));
    } catch (NumberFormatException notADecimal) {
      throw new Failure(0, "a cost amount that is not a decimal: " + amount.asText());
    }
  }

  /** Cents to micro-dollars (× 10,000), half-up; a negative amount (a credit) is refused. */
  static long centsToMicros(BigDecimal cents) throws Failure {
    if (cents.signum() < 0) {
      throw new Failure(0, "a negative cost: " + cents.toPlainString());
    }
    try {
      return cents.movePointRight(4).setScale(0, RoundingMode.HALF_UP).longValueExact();
    } catch (ArithmeticException tooLarge) {
      throw new Failure(0, "a cost beyond any budget: " + cents.toPlainString());
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
