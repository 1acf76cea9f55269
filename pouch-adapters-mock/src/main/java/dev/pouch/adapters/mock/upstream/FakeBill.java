package dev.pouch.adapters.mock.upstream;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.money.ModelPrice;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a fake upstream bills: per UTC day and model, the tokens of the answers it served and their
 * cost at the prices a test set (rounded up to the micro-dollar once per answer, as Pouch charges),
 * plus surcharges a test adds to make the bill drift. Summed as it goes, so a benchmark's millions
 * of answers take one line per day and model. The fakes serve it in their provider's report shapes
 * (OpenAI's Costs and Usage APIs, Anthropic's cost and usage reports), {@link #pageSize} buckets
 * per page at most.
 */
public final class FakeBill {
  static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN).build();

  /**
   * One billed answer (or surcharge).
   *
   * @param day the UTC day it was served
   * @param model the model asked for
   * @param inputTokens uncached input tokens
   * @param cacheWriteTokens prompt-cache writes (5-minute and 1-hour)
   * @param cacheReadTokens prompt-cache reads
   * @param outputTokens output tokens served
   * @param inputMicros the cost of the input (cache writes and reads included)
   * @param outputMicros the rest of the answer's cost
   */
  public record Line(
      LocalDate day,
      String model,
      long inputTokens,
      long cacheWriteTokens,
      long cacheReadTokens,
      long outputTokens,
      long inputMicros,
      long outputMicros) {}

  private final Map<String, ModelPrice> prices = new ConcurrentHashMap<>();

  /** Guarded by itself: the lines summed per day, then model ({@code "null"} for none). */
  private final Map<LocalDate, Map<String, Line>> lines = new TreeMap<>();

  private volatile int pageSize = 31;
  private volatile int failStatus;

  /** Bills {@code model} at {@code price} from now on; an unpriced model costs nothing. */
  public FakeBill price(String model, ModelPrice price) {
    prices.put(model, price);
    return this;
  }

  /** Serves at most {@code buckets} daily buckets per page (31 by default, the APIs' limit). */
  public FakeBill pageSize(int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException("a page holds at least one bucket");
    }
    this.pageSize = buckets;
    return this;
  }

  /** Answers every report request with {@code status} and an error body (0: answer normally). */
  public FakeBill failWith(int status) {
    this.failStatus = status;
    return this;
  }

  /** The status report requests fail with, or 0. */
  int failStatus() {
    return failStatus;
  }

  /** Adds {@code micros} to the bill of {@code model} on {@code day}: the provider bills more. */
  public FakeBill surcharge(LocalDate day, String model, long micros) {
    add(new Line(day, model, 0, 0, 0, 0, 0, micros));
    return this;
  }

  /** Adds a line (any day, tokens and cost) to its day and model's. */
  public FakeBill add(Line line) {
    synchronized (lines) {
      lines
          .computeIfAbsent(line.day(), d -> new TreeMap<>())
          .merge(String.valueOf(line.model()), line, FakeBill::sum);
    }
    return this;
  }

  /** The lines so far, one per day and model, in order. */
  public List<Line> lines() {
    List<Line> all = new ArrayList<>();
    synchronized (lines) {
      lines.values().forEach(models -> all.addAll(models.values()));
    }
    return all;
  }

  /** Forgets every line (prices and page size stay). */
  public void clear() {
    synchronized (lines) {
      lines.clear();
    }
  }

  /** Bills one answer served now. */
  void served(
      String model, long input, long write5m, long write1h, long read, long output, Instant at) {
    ModelPrice price = prices.getOrDefault(model == null ? "" : model, ModelPrice.FREE);
    long prompt = input + write5m + write1h + read;
    long total = price.cost(prompt, read, write5m, write1h, output);
    long inputPart = price.cost(prompt, read, write5m, write1h, 0);
    add(
        new Line(
            LocalDate.ofInstant(at, ZoneOffset.UTC),
            model,
            input,
            write5m + write1h,
            read,
            output,
            inputPart,
            total - inputPart));
  }

  /** Every day in {@code [from, to)} with its lines by model, days in order. */
  private TreeMap<LocalDate, TreeMap<String, Line>> byDay(LocalDate from, LocalDate to) {
    TreeMap<LocalDate, TreeMap<String, Line>> days = new TreeMap<>();
    for (LocalDate day = from; day.isBefore(to); day = day.plusDays(1)) {
      days.put(day, new TreeMap<>());
    }
    synchronized (lines) {
      days.forEach((day, models) -> models.putAll(lines.getOrDefault(day, Map.of())));
    }
    return days;
  }

  private static Line sum(Line a, Line b) {
    return new Line(
        a.day(),
        a.model(),
        a.inputTokens() + b.inputTokens(),
        a.cacheWriteTokens() + b.cacheWriteTokens(),
        a.cacheReadTokens() + b.cacheReadTokens(),
        a.outputTokens() + b.outputTokens(),
        a.inputMicros() + b.inputMicros(),
        a.outputMicros() + b.outputMicros());
  }

  /** How a report lays out one day's bucket. */
  interface BucketWriter {
    ObjectNode bucket(LocalDate day, TreeMap<String, Line> models);
  }

  /**
   * One page of a report over {@code [from, to)}: {@code data} (at most the page size and {@code
   * limit} buckets, from the cursor {@code page}, a day), {@code has_more} and {@code next_page}.
   */
  ObjectNode page(LocalDate from, LocalDate to, int limit, String page, BucketWriter writer) {
    LocalDate start = page == null ? from : LocalDate.parse(page);
    int size = Math.min(Math.max(limit, 1), pageSize);
    ObjectNode body = JSON.createObjectNode();
    ArrayNode data = body.putArray("data");
    LocalDate next = null;
    for (Map.Entry<LocalDate, TreeMap<String, Line>> day : byDay(start, to).entrySet()) {
      if (data.size() == size) {
        next = day.getKey();
        break;
      }
      data.add(writer.bucket(day.getKey(), day.getValue()));
    }
    body.put("has_more", next != null);
    body.put("next_page", next == null ? null : next.toString());
    return body;
  }

  /** The query parameters of a request (the last value of each name). */
  static Map<String, String> query(java.net.URI uri) {
    Map<String, String> params = new TreeMap<>();
    String raw = uri.getRawQuery();
    if (raw == null) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(
          java.net.URLDecoder.decode(name, java.nio.charset.StandardCharsets.UTF_8),
          java.net.URLDecoder.decode(value, java.nio.charset.StandardCharsets.UTF_8));
    }
    return params;
  }

  /** Micro-dollars as dollars, exactly. */
  static BigDecimal dollars(long micros) {
    return BigDecimal.valueOf(micros, 6);
  }

  /** Micro-dollars as cents, exactly (Anthropic's unit). */
  static String cents(long micros) {
    return BigDecimal.valueOf(micros, 4).toPlainString();
  }
}
