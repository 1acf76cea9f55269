package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the upstream receives never allows more output than what was priced (issue 17, hole 1). The
 * fake upstream honours {@code max_completion_tokens} over {@code max_tokens}, as vLLM does, so a
 * gateway that priced the smaller of the two but forwarded both would be overrun.
 */
class OutputLimitsTest extends FakeUpstreamServerTest {
  private static final String TEXT = "limits hold when every field says the same ".repeat(60);
  private static final long GPT_4O_MINI_MAX_OUTPUT = 16_384;

  private TestPouch.CreatedTestKey key(KeyBody body) {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    return upstreamKey(body);
  }

  private static KeyBody budgeted(long limit) {
    return KeyBody.openAi("limits", "http://placeholder/v1").budgetMicros(limit);
  }

  private static Map<String, Object> chat(boolean stream, Map<String, Object> limits) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("messages", List.of(Map.of("role", "user", "content", "Write at length.")));
    body.putAll(limits);
    if (stream) {
      body.put("stream", true);
      body.put("stream_options", Map.of("include_usage", true));
    }
    return body;
  }

  private JsonNode lastUpstreamBody() throws Exception {
    return pouch.json().readTree(upstream.lastRequestBody().orElseThrow());
  }

  @Test
  void twoOutputLimitsGoUpstreamAsTheOneThatWasPricedPlainAndStreamed() throws Exception {
    TestPouch.CreatedTestKey key = key(budgeted(1_000_000));
    Map<String, Object> limits = Map.of("max_tokens", 1, "max_completion_tokens", 2000);

    for (boolean stream : new boolean[] {false, true}) {
      TestPouch.Reply reply = pouch.chat(key, chat(stream, limits));

      assertThat(reply.status()).isEqualTo(200);
      JsonNode sent = lastUpstreamBody();
      assertThat(sent.get("max_tokens").asLong()).isEqualTo(1);
      assertThat(sent.get("max_completion_tokens").asLong()).isEqualTo(1);
      assertThat(reply.response().headers().firstValue("x-pouch-reserved-micros"))
          .map(Long::parseLong)
          .hasValueSatisfying(r -> assertThat(r).isLessThan(ServedCharges.cost(0, 2000)));
    }
    assertThat(upstream.completionTokensSent()).isEqualTo(2);
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void twoOutputLimitsCannotOverrunAKeyThatFetchesPlainAnswersPlain() throws Exception {
    long limit = 2_000; // ~3,000 output tokens of gpt-4o-mini: 2,000 more would overspend it
    TestPouch.CreatedTestKey key =
        key(budgeted(limit).providerSetting("stream_plain_requests", false));

    for (int i = 0; i < 3; i++) {
      pouch.chat(key, chat(false, Map.of("max_tokens", 1, "max_completion_tokens", 2000)));
    }

    assertThat(upstream.completionTokensSent()).isEqualTo(3);
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isLessThanOrEqualTo(limit);
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void aLimitAboveTheModelsIsSentUpstreamAsTheModelsLimit() throws Exception {
    TestPouch.CreatedTestKey key = key(budgeted(100_000_000));

    TestPouch.Reply reply = pouch.chat(key, chat(false, Map.of("max_tokens", 1L << 62)));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(lastUpstreamBody().get("max_tokens").asLong()).isEqualTo(GPT_4O_MINI_MAX_OUTPUT);
  }

  @Test
  void aLimitAboveTheModelsIsSentAsTheModelsLimitOnAKeyWithoutBudgetToo() throws Exception {
    TestPouch.CreatedTestKey key = key(KeyBody.openAi("unlimited", "http://placeholder/v1"));

    pouch.chat(key, chat(true, Map.of("max_completion_tokens", 1L << 62)));

    assertThat(lastUpstreamBody().get("max_completion_tokens").asLong())
        .isEqualTo(GPT_4O_MINI_MAX_OUTPUT);
  }

  @Test
  void theMaxTokensCapBindsEveryLimitFieldTheUpstreamMayHonour() throws Exception {
    TestPouch.CreatedTestKey key =
        key(budgeted(1_000_000).middleware("max_tokens_cap", Map.of("max_tokens", 5)));

    pouch.chat(key, chat(false, Map.of("max_tokens", 3000, "max_completion_tokens", 2000)));
    JsonNode first = lastUpstreamBody();
    pouch.chat(key, chat(true, Map.of("max_tokens", 1, "max_completion_tokens", 2000)));
    JsonNode second = lastUpstreamBody();

    assertThat(first.get("max_tokens").asLong()).isEqualTo(5);
    assertThat(first.get("max_completion_tokens").asLong()).isEqualTo(5);
    assertThat(second.get("max_tokens").asLong()).isEqualTo(1);
    assertThat(second.get("max_completion_tokens").asLong()).isEqualTo(1);
    assertThat(upstream.completionTokensSent()).isEqualTo(6);
  }

  @Test
  void theTokenRateLimitCountsTheLimitThatIsSent() {
    // 1,000 tokens a minute: two requests of 1 output token fit, a request of 2,000 would not
    TestPouch.CreatedTestKey key =
        key(
            budgeted(1_000_000)
                .middleware("token_rate_limit", Map.of("tokens", 1_000, "period", 60)));

    TestPouch.Reply first =
        pouch.chat(key, chat(false, Map.of("max_tokens", 1, "max_completion_tokens", 2000)));
    TestPouch.Reply second =
        pouch.chat(key, chat(false, Map.of("max_tokens", 2000, "max_completion_tokens", 1)));

    assertThat(first.status()).isEqualTo(200);
    assertThat(second.status()).isEqualTo(200);
    assertThat(upstream.completionTokensSent()).isEqualTo(2);
  }
}
