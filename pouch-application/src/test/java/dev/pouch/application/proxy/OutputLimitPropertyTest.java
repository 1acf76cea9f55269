package dev.pouch.application.proxy;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.FakeUpstream.MAX_OUTPUT;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.fakes.ChatBody;
import dev.pouch.application.fakes.FakeUpstream;
import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.provider.ProviderResponse;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Random limit fields and random usage through the whole flow (issue 17): whatever a client asks
 * and an upstream reports, the upstream never receives a limit above what was priced, every request
 * is refused cleanly or settled with a row, nothing stays reserved, and the budget is never
 * overspent.
 */
class OutputLimitPropertyTest {
  @RegisterExtension final TestPouch pouch = new TestPouch();

  private static final long[] LIMITS = {
    1, 2, 15, 16, 100, MAX_OUTPUT, MAX_OUTPUT + 1, 1L << 40, 1L << 62, Long.MAX_VALUE
  };

  @Test
  void noLimitFieldAndNoUsageBreaksTheBudgetOrReachesTheUpstreamAbovePrice() {
    long limit = 2_000_000;
    CreatedKey key = pouch.create(aKey().budget(limit));
    long seed = System.nanoTime();
    Random random = new Random(seed);
    int settled = 0;
    for (int i = 0; i < 400; i++) {
      ChatBody body = chat();
      Long legacy = random.nextBoolean() ? LIMITS[random.nextInt(LIMITS.length)] : null;
      Long completion = random.nextBoolean() ? LIMITS[random.nextInt(LIMITS.length)] : null;
      if (legacy != null) {
        body.maxTokens(legacy);
      }
      if (completion != null) {
        body.maxCompletionTokens(completion);
      }
      int choices = 1 + random.nextInt(3);
      body.n(choices);
      Usage usage = randomUsage(random);
      pouch.upstream.answer(
          call ->
              new ProviderResponse.Complete(
                  200, Map.of("Content-Type", "application/json"), "{}".getBytes(), usage));
      int calls = pouch.upstream.calls().size();
      String scenario =
          "seed "
              + seed
              + ": max_tokens "
              + legacy
              + ", max_completion_tokens "
              + completion
              + ", n "
              + choices
              + ", "
              + usage;
      if (pouch.chat(key, body) instanceof ProxyResponse.Refused refused) {
        assertThat(refused.refusal().code().wireCode())
            .as(scenario)
            .isIn("budget_exceeded", "invalid_request");
        assertThat(pouch.upstream.calls()).as(scenario).hasSize(calls);
        continue;
      }
      settled++;
      FakeUpstream.Call call = pouch.upstream.calls().get(calls);
      RequestRecord row = pouch.store.records().get(pouch.store.records().size() - 1);
      long priced = call.upstreamCall().outputCap() / choices;
      for (String field : List.of("max_tokens", "max_completion_tokens")) {
        Object sent = call.request().body().get(field);
        if (sent != null) {
          assertThat(((Number) sent).longValue()).as(scenario + " " + field).isEqualTo(priced);
        }
      }
      assertThat(priced).as(scenario).isLessThanOrEqualTo(MAX_OUTPUT);
      if (legacy != null || completion != null) {
        long asked =
            Math.min(
                legacy == null ? Long.MAX_VALUE : legacy,
                completion == null ? Long.MAX_VALUE : completion);
        assertThat(priced).as(scenario).isEqualTo(Math.min(asked, MAX_OUTPUT));
      }
      assertThat(row.costMicros()).as(scenario).isNotNegative();
      Budget budget = pouch.budget(key);
      assertThat(budget.reservedMicros()).as(scenario).isZero();
      assertThat(budget.spentMicros()).as(scenario).isLessThanOrEqualTo(limit);
    }
    assertThat(pouch.store.records())
        .as("seed " + seed)
        .filteredOn(row -> row.basis() != null)
        .hasSize(settled);
    assertThat(settled).as("seed " + seed).isPositive();
  }

  private static Usage randomUsage(Random random) {
    long[] counts = {0, 1, 50, 4_000, 1L << 40, Long.MAX_VALUE};
    return switch (random.nextInt(3)) {
      case 0 -> Usage.UNKNOWN;
      case 1 ->
          new Usage(
              counts[random.nextInt(counts.length)],
              counts[random.nextInt(counts.length)],
              counts[random.nextInt(counts.length)],
              UsageSource.REPORTED);
      default -> Usage.reported(80, random.nextInt(100));
    };
  }
}
