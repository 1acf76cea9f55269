package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import java.util.HashMap;
import java.util.Map;

/**
 * The ledger against what a fake upstream says it served, request by request: each request the
 * upstream saw (by the {@code X-Request-Id} Pouch sends it, which is the request-log row's id) has
 * a row, and that row's charge is at least what the upstream served it at the table's prices. A
 * total per key could hide an under-count under another request's full-reservation charge.
 */
final class ServedCharges {
  // gpt-4o-mini in the bundled table: $0.15 / $0.60 per million tokens
  static final long INPUT_PER_MTOK = 150_000;
  static final long OUTPUT_PER_MTOK = 600_000;

  private ServedCharges() {}

  /** What {@code prompt} and {@code completion} tokens cost at gpt-4o-mini's prices, rounded up. */
  static long cost(long prompt, long completion) {
    return OpenAiSdkClientTest.costMicros(prompt, INPUT_PER_MTOK, completion, OUTPUT_PER_MTOK);
  }

  /** The key's request-log rows by id. */
  static Map<String, JsonNode> rows(TestPouch pouch, TestPouch.CreatedTestKey key) {
    JsonNode rows = pouch.admin("GET", "/api/requests?limit=1000&key_id=" + key.id(), null).body();
    Map<String, JsonNode> byId = new HashMap<>();
    rows.forEach(row -> byId.put(row.get("id").asText(), row));
    return byId;
  }

  /**
   * Asserts that every request the upstream served has a row charging at least what it served, that
   * the rows add up to the key's spend, and that nothing stays reserved.
   */
  static void assertEachRowCoversWhatWasServed(
      TestPouch pouch, TestPouch.CreatedTestKey key, FakeOpenAiUpstream upstream) {
    long logged = assertEachServedRequestIsCharged(pouch, key, upstream);
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong())
        .as("the rows add up to the spend")
        .isEqualTo(logged);
    assertThat(budget.get("reserved_micros").asLong()).as("nothing stays reserved").isZero();
  }

  /**
   * Asserts that every request the upstream served has a row charging at least what it served, and
   * returns the sum of the key's rows (for keys whose budget period changed, which the spend alone
   * no longer adds up to).
   */
  static long assertEachServedRequestIsCharged(
      TestPouch pouch, TestPouch.CreatedTestKey key, FakeOpenAiUpstream upstream) {
    Map<String, JsonNode> rows = rows(pouch, key);
    Map<String, FakeOpenAiUpstream.Served> served = upstream.servedByRequest();
    assertThat(served).as("the upstream saw requests").isNotEmpty();
    served.forEach(
        (id, tokens) -> {
          assertThat(rows).as("a request-log row for %s", id).containsKey(id);
          assertThat(rows.get(id).get("cost_micros").asLong())
              .as("row %s charges at least what the upstream served it: %s", id, tokens)
              .isGreaterThanOrEqualTo(cost(tokens.promptTokens(), tokens.completionTokens()));
        });
    return rows.values().stream().mapToLong(row -> row.get("cost_micros").asLong()).sum();
  }
}
