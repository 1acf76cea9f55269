package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Usage that cannot be true, reported by the upstream (issue 17, hole 3): settlement always
 * completes and writes its row, never charges less than what Pouch relayed, and charges usage
 * beyond the request's physical maximum (or malformed) as the full reservation, flagged {@code
 * implausible_usage}. Driven over HTTP against a fake upstream that reports the usage it is told
 * while it tallies what it really served.
 */
class ImplausibleUsageTest extends FakeUpstreamServerTest {
  private static final String TEXT =
      "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
          + " sixteen seventeen eighteen nineteen twenty twentyone twentytwo twentythree"
          + " twentyfour twentyfive twentysix twentyseven twentyeight twentynine thirty thirtyone"
          + " thirtytwo thirtythree thirtyfour thirtyfive thirtysix thirtyseven thirtyeight"
          + " thirtynine forty";
  private static final long LIMIT = 200_000;

  /** The fake upstream's prompt count for {@link #chat}: 3 + (4 + 1 + 3 words of a message). */
  private static final long PROMPT = 11;

  private TestPouch.CreatedTestKey key() {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    return pouch.createKey(KeyBody.openAi("usage", upstream.baseUrl()).budgetMicros(LIMIT));
  }

  private static Map<String, Object> chat(boolean stream) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("messages", List.of(Map.of("role", "user", "content", "Count to forty.")));
    body.put("max_tokens", 60);
    if (stream) {
      body.put("stream", true);
      body.put("stream_options", Map.of("include_usage", true));
    }
    return body;
  }

  /** Sends a plain and a streamed request with the upstream reporting {@code usage}. */
  private List<JsonNode> rowsFor(TestPouch.CreatedTestKey key, String usage) {
    upstream.reportingUsage(usage);
    List<String> ids = new ArrayList<>();
    for (boolean stream : new boolean[] {false, true}) {
      TestPouch.Reply reply = pouch.chat(key, chat(stream));
      assertThat(reply.status()).as("%s, stream=%s: %s", usage, stream, reply.raw()).isEqualTo(200);
      ids.add(reply.response().headers().firstValue("x-request-id").orElse(""));
    }
    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    return new ArrayList<>(rows.values());
  }

  private void assertFlaggedAndChargedTheReservation(TestPouch.CreatedTestKey key, String usage) {
    upstream.resetCounters();
    int before = ServedCharges.rows(pouch, key).size();
    List<JsonNode> rows = rowsFor(key, usage);
    assertThat(rows).as(usage).hasSize(before + 2);
    ServedCharges.rows(pouch, key).values().stream()
        .filter(row -> upstream.servedByRequest().containsKey(row.get("id").asText()))
        .forEach(
            row -> {
              assertThat(row.get("settlement").asText()).as(usage).isEqualTo("implausible_usage");
              assertThat(row.get("cost_micros").asLong())
                  .as(usage)
                  .isEqualTo(row.get("reserved_micros").asLong());
            });
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void malformedOrImpossibleUsageIsChargedTheReservationAndFlagged() {
    TestPouch.CreatedTestKey key = key();
    for (String usage :
        List.of(
            "{\"prompt_tokens\":12,\"completion_tokens\":null,\"total_tokens\":12}",
            "{\"prompt_tokens\":12}",
            "{\"prompt_tokens\":12,\"completion_tokens\":-40,\"total_tokens\":-28}",
            "{\"prompt_tokens\":12,\"completion_tokens\":39.5,\"total_tokens\":51.5}",
            "{\"prompt_tokens\":12,\"completion_tokens\":40,\"total_tokens\":52,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":500}}",
            "{\"prompt_tokens\":12,\"completion_tokens\":1000000000000,\"total_tokens\":1000000000012}",
            "{\"prompt_tokens\":4611686018427387904,\"completion_tokens\":4611686018427387904}",
            "{\"prompt_tokens\":12,\"completion_tokens\":99999999999999999999999}",
            "{\"prompt_tokens\":0,\"completion_tokens\":40,\"total_tokens\":40}",
            "{\"prompt_tokens\":12,\"completion_tokens\":40,\"total_tokens\":7}")) {
      assertFlaggedAndChargedTheReservation(key, usage);
    }
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isLessThanOrEqualTo(LIMIT);
  }

  @Test
  void outputReportedBelowWhatPouchRelayedIsChargedAsRelayed() {
    TestPouch.CreatedTestKey key = key();

    rowsFor(key, "{\"prompt_tokens\":12,\"completion_tokens\":1,\"total_tokens\":13}");

    for (JsonNode row : ServedCharges.rows(pouch, key).values()) {
      assertThat(row.get("settlement").asText()).isEqualTo("usage_reported");
      assertThat(row.get("completion_tokens").asLong()).as("40 tokens relayed").isEqualTo(40);
    }
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  /**
   * Random usage objects: nulls, negatives, fractions, huge numbers, text, inconsistent details.
   * Whatever the upstream says: no 5xx, a row every time, nothing reserved, a charge at least what
   * was served, and the budget never above its limit.
   */
  @Test
  void randomUsageNeverBreaksSettlementNorUnderCountsNorOverspends() {
    TestPouch.CreatedTestKey key = key();
    long seed = System.nanoTime();
    Random random = new Random(seed);
    int requests = 0;
    for (int i = 0; i < 25; i++) {
      String usage = randomUsage(random);
      rowsFor(key, usage);
      requests += 2;
      JsonNode budget = pouch.budget(key.id());
      assertThat(budget.get("reserved_micros").asLong()).as("seed %s: %s", seed, usage).isZero();
      assertThat(budget.get("spent_micros").asLong())
          .as("seed %s: %s", seed, usage)
          .isLessThanOrEqualTo(LIMIT);
    }
    assertThat(ServedCharges.rows(pouch, key)).as("seed %s", seed).hasSize(requests);
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  private static String randomUsage(Random random) {
    StringBuilder json = new StringBuilder("{");
    List<String> fields = new ArrayList<>();
    Map<String, Long> truth =
        Map.of("prompt_tokens", PROMPT, "completion_tokens", 40L, "total_tokens", PROMPT + 40);
    for (String name : List.of("prompt_tokens", "completion_tokens", "total_tokens")) {
      String value = randomCount(random, truth.get(name));
      if (value != null) {
        fields.add("\"" + name + "\":" + value);
      }
    }
    if (random.nextBoolean()) {
      String cached = randomCount(random, 0);
      fields.add(
          "\"prompt_tokens_details\":"
              + (cached == null ? "null" : "{\"cached_tokens\":" + cached + "}"));
    }
    if (random.nextBoolean()) {
      String reasoning = randomCount(random, 0);
      fields.add(
          "\"completion_tokens_details\":{\"reasoning_tokens\":"
              + (reasoning == null ? "null" : reasoning)
              + "}");
    }
    json.append(String.join(",", fields)).append('}');
    return random.nextInt(20) == 0 ? "null" : json.toString();
  }

  /**
   * A token count as a broken upstream might send it, or the true one; null leaves the field out.
   * (A count that is wrong yet possible, between Pouch's bounds, is trusted: FINANCIAL_SAFETY.md's
   * known limits.)
   */
  private static String randomCount(Random random, long truth) {
    return switch (random.nextInt(11)) {
      case 0 -> null;
      case 1 -> "null";
      case 2 -> Integer.toString(-1 - random.nextInt(100));
      case 3 -> (random.nextInt(100) + 0.5) + "";
      case 4 -> "1000000000000";
      case 5 -> Long.toString(1L << 62);
      case 6 -> "18446744073709551616";
      case 7 -> "\"40\"";
      case 8 -> "0";
      case 9 -> "1e3";
      default -> Long.toString(truth);
    };
  }
}
