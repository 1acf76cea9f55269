package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failover (G14): a key's request moves to its next upstream only when the one before provably did
 * not bill it (never reached, or a 429/5xx before any output), never after an output byte or an
 * answer that may have been processed; one reservation, quoted at the dearest candidate, covers
 * whichever serves; the charge is what the serving upstream says it served at that upstream's
 * price, and the request-log row names it. Both upstreams are fakes over real HTTP that tally what
 * they served by Pouch's request id, so "at most one billable upstream call per request" is checked
 * request by request.
 */
class FailoverFinancialSafetyTest extends ServerTest {
  private static final String PRIMARY_MODEL = "gpt-4o-mini"; // $0.15 / $0.60 per MTok
  private static final String FALLBACK_MODEL = "gpt-4.1"; // $2.00 / $8.00 per MTok
  private static final long FALLBACK_INPUT = 2_000_000;
  private static final long FALLBACK_OUTPUT = 8_000_000;
  private static final String PRIMARY = "provider:openai";
  private static final String FALLBACK = "fallbacks[0]:openai";

  private FakeOpenAiUpstream primary;
  private FakeOpenAiUpstream fallback;

  @BeforeEach
  void startUpstreams() {
    primary = FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT);
    fallback = FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT);
  }

  @AfterEach
  void stopUpstreams() {
    primary.close();
    fallback.close();
  }

  private TestPouch.CreatedTestKey key(String primaryBaseUrl, long budget) {
    return pouch.createKey(
        KeyBody.openAi("failover", primaryBaseUrl)
            .openAiFallback(fallback.baseUrl(), FALLBACK_MODEL)
            .budgetMicros(budget));
  }

  private OpenAIClient client(TestPouch.CreatedTestKey key) {
    return OpenAIOkHttpClient.builder()
        .apiKey(key.secret())
        .baseUrl(pouch.openAiBaseUrl())
        .maxRetries(0)
        .build();
  }

  private static ChatCompletionCreateParams chat() {
    return ChatCompletionCreateParams.builder()
        .model(PRIMARY_MODEL)
        .addUserMessage("Say something short about failover.")
        .maxCompletionTokens(30)
        .build();
  }

  private static Map<String, Object> body(boolean stream) {
    return body(stream, PRIMARY_MODEL);
  }

  private static Map<String, Object> body(boolean stream, String model) {
    return Map.of(
        "model",
        model,
        "stream",
        stream,
        "max_tokens",
        30,
        "messages",
        List.of(Map.of("role", "user", "content", "Say something short about failover.")));
  }

  /** A loopback port nothing listens on: connecting to it is refused. */
  private static String refusingBaseUrl() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return "http://127.0.0.1:" + socket.getLocalPort() + "/v1";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long fallbackCost(FakeOpenAiUpstream.Served served) {
    return OpenAiSdkClientTest.costMicros(
        served.promptTokens(), FALLBACK_INPUT, served.completionTokens(), FALLBACK_OUTPUT);
  }

  private static long primaryCost(FakeOpenAiUpstream.Served served) {
    return ServedCharges.cost(served.promptTokens(), served.completionTokens());
  }

  private static boolean billable(FakeOpenAiUpstream.Served served) {
    return served != null && (served.promptTokens() > 0 || served.completionTokens() > 0);
  }

  /** Each request the upstreams saw was served with tokens by one of them at most. */
  private void assertAtMostOneBillableCallPerRequest() {
    Set<String> ids = new HashSet<>(primary.servedByRequest().keySet());
    ids.addAll(fallback.servedByRequest().keySet());
    for (String id : ids) {
      int billed =
          (billable(primary.servedByRequest().get(id)) ? 1 : 0)
              + (billable(fallback.servedByRequest().get(id)) ? 1 : 0);
      assertThat(billed).as("upstream calls with tokens for request %s", id).isLessThanOrEqualTo(1);
    }
  }

  /**
   * Every row of the key is charged exactly what its serving upstream served at that upstream's
   * price (the fakes report their usage), names that upstream, and the rows add up to the spend.
   */
  private void assertRowsChargeTheServingUpstreamExactly(TestPouch.CreatedTestKey key) {
    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    long total = 0;
    for (JsonNode row : rows.values()) {
      String id = row.get("id").asText();
      long cost = row.get("cost_micros").asLong();
      total += cost;
      if (row.get("status").asInt() != 200) {
        continue;
      }
      if (FALLBACK.equals(row.get("upstream").asText())) {
        assertThat(cost)
            .as("row %s", id)
            .isEqualTo(fallbackCost(fallback.servedByRequest().get(id)));
        assertThat(row.get("priced_as").asText()).startsWith(FALLBACK_MODEL);
      } else {
        assertThat(row.get("upstream").asText()).isEqualTo(PRIMARY);
        assertThat(cost).as("row %s", id).isEqualTo(primaryCost(primary.servedByRequest().get(id)));
      }
    }
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong()).as("the rows add up").isEqualTo(total);
    assertThat(budget.get("reserved_micros").asLong()).as("nothing stays reserved").isZero();
  }

  @Test
  void aRefusedConnectionMovesToTheFallbackWhichAloneIsChargedAtItsOwnPrice() {
    TestPouch.CreatedTestKey key = key(refusingBaseUrl(), 1_000_000);
    OpenAIClient client = client(key);

    ChatCompletion plain = client.chat().completions().create(chat());
    StringBuilder streamed = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(chat())) {
      stream.stream()
          .flatMap(chunk -> chunk.choices().stream())
          .forEach(choice -> choice.delta().content().ifPresent(streamed::append));
    }

    assertThat(plain.choices().get(0).message().content()).isPresent();
    assertThat(streamed).isNotEmpty();
    assertThat(fallback.servedByRequest()).hasSize(2);
    assertThat(fallback.lastRequestBody())
        .hasValueSatisfying(b -> assertThat(b).contains(FALLBACK_MODEL));
    assertThat(fallback.lastAuthorization()).contains("Bearer sk-test-fallback-secret");
    assertRowsChargeTheServingUpstreamExactly(key);
    assertThat(ServedCharges.rows(pouch, key).values())
        .allSatisfy(row -> assertThat(row.get("upstream").asText()).isEqualTo(FALLBACK));
  }

  @Test
  void anOpenAiKeyFallsBackToClaudeThroughTheTranslationAndIsChargedWhatClaudeServed() {
    primary.answeringStatus(503);
    try (FakeAnthropicUpstream claude = FakeAnthropicUpstream.start()) {
      TestPouch.CreatedTestKey key =
          pouch.createKey(
              KeyBody.openAi("to-claude", primary.baseUrl())
                  .fallback(
                      "anthropic",
                      claude.baseUrl(),
                      "sk-ant-test-upstream-secret",
                      AnthropicSdkClientTest.MODEL)
                  .budgetMicros(1_000_000));
      OpenAIClient client = client(key);

      ChatCompletion plain = client.chat().completions().create(chat());
      StringBuilder streamed = new StringBuilder();
      try (StreamResponse<ChatCompletionChunk> stream =
          client.chat().completions().createStreaming(chat())) {
        stream.stream()
            .flatMap(chunk -> chunk.choices().stream())
            .forEach(choice -> choice.delta().content().ifPresent(streamed::append));
      }

      assertThat(plain.choices().get(0).message().content()).isPresent();
      assertThat(streamed).isNotEmpty();
      Map<String, FakeAnthropicUpstream.Served> served = claude.servedByRequest();
      assertThat(served).hasSize(2);
      long total = 0;
      for (JsonNode row : ServedCharges.rows(pouch, key).values()) {
        assertThat(row.get("upstream").asText()).isEqualTo("fallbacks[0]:anthropic");
        long expected = AnthropicSdkClientTest.expectedMicros(served.get(row.get("id").asText()));
        assertThat(row.get("cost_micros").asLong()).isEqualTo(expected).isPositive();
        total += expected;
      }
      JsonNode budget = pouch.budget(key.id());
      assertThat(budget.get("spent_micros").asLong()).isEqualTo(total);
      assertThat(budget.get("reserved_micros").asLong()).isZero();
      assertAtMostOneBillableCallPerRequest();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 500, 503})
  void aRateLimitOrServerErrorBeforeAnyOutputMovesOnAndIsNotCharged(int status) {
    primary.answeringStatus(status);
    TestPouch.CreatedTestKey key = key(primary.baseUrl(), 1_000_000);

    TestPouch.Reply plain = pouch.chat(key, body(false));
    TestPouch.Reply streamed = pouch.chat(key, body(true));

    assertThat(plain.status()).isEqualTo(200);
    assertThat(streamed.status()).isEqualTo(200);
    assertThat(streamed.raw()).contains("[DONE]");
    assertThat(primary.requestsReceived()).as("the primary was asked first").isEqualTo(2);
    assertThat(fallback.servedByRequest()).hasSize(2);
    assertAtMostOneBillableCallPerRequest();
    assertRowsChargeTheServingUpstreamExactly(key);
  }

  @Test
  void aStreamThatBreaksAfterItsFirstByteNeverMovesOn() throws IOException {
    primary.close();
    primary =
        FakeOpenAiUpstream.start(
            0, FakeUpstreamSettings.DEFAULT.withFailAfterChunks(2).withOmitUsage(false));
    TestPouch.CreatedTestKey key = key(primary.baseUrl(), 1_000_000);

    HttpResponse<InputStream> response = pouch.openStream(key, body(true));
    assertThat(response.statusCode()).isEqualTo(200);
    try (InputStream in = response.body()) {
      catchThrowable(in::readAllBytes); // the break reaches the client as a cut stream
    }

    awaitSettled(key);
    assertThat(fallback.requestsReceived()).as("never moved after output").isZero();
    JsonNode row = ServedCharges.rows(pouch, key).values().iterator().next();
    assertThat(row.get("upstream").asText()).isEqualTo(PRIMARY);
    FakeOpenAiUpstream.Served served = primary.servedByRequest().values().iterator().next();
    assertThat(served.completionTokens()).isPositive();
    assertThat(row.get("cost_micros").asLong()).isGreaterThanOrEqualTo(primaryCost(served));
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"DROP_AFTER_REQUEST", "BREAK_AFTER_HEAD"})
  void anUpstreamThatMayHaveProcessedTheRequestIsNeverLeft(String quirk) {
    primary.withQuirks(FakeOpenAiUpstream.Quirk.valueOf(quirk));
    TestPouch.CreatedTestKey key = key(primary.baseUrl(), 1_000_000);

    TestPouch.Reply reply = pouch.chat(key, body(false));

    assertThat(reply.status()).isGreaterThanOrEqualTo(500);
    assertThat(fallback.requestsReceived()).isZero();
    JsonNode row = ServedCharges.rows(pouch, key).values().iterator().next();
    assertThat(row.get("cost_micros").asLong())
        .as("charged the full reservation: the primary may have billed it")
        .isEqualTo(row.get("reserved_micros").asLong())
        .isPositive();
    assertThat(row.get("upstream").asText()).isEqualTo(PRIMARY);
  }

  @Test
  void aClientErrorIsTheRequestsAnswerNotAReasonToMoveOn() {
    primary.answeringStatus(400);
    TestPouch.CreatedTestKey key = key(primary.baseUrl(), 1_000_000);

    TestPouch.Reply reply = pouch.chat(key, body(false));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(fallback.requestsReceived()).isZero();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isZero();
  }

  @Test
  void oneReservationCoversTheDearestCandidateEvenWhenTheCheaperOneServes() {
    TestPouch.CreatedTestKey withFallback = key(primary.baseUrl(), 1_000_000);
    TestPouch.CreatedTestKey cheap =
        pouch.createKey(KeyBody.openAi("cheap", primary.baseUrl()).budgetMicros(1_000_000));
    TestPouch.CreatedTestKey dear =
        pouch.createKey(KeyBody.openAi("dear", fallback.baseUrl()).budgetMicros(1_000_000));

    long failover = reserved(pouch.chat(withFallback, body(false, PRIMARY_MODEL)));
    long cheapOnly = reserved(pouch.chat(cheap, body(false, PRIMARY_MODEL)));
    long dearOnly = reserved(pouch.chat(dear, body(false, FALLBACK_MODEL)));

    assertThat(failover).isGreaterThan(cheapOnly).isEqualTo(dearOnly);
    // Served by the primary: charged its own, lower price, the rest refunded.
    assertRowsChargeTheServingUpstreamExactly(withFallback);
  }

  private static long reserved(TestPouch.Reply reply) {
    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    return Long.parseLong(
        reply.response().headers().firstValue("x-pouch-reserved-micros").orElseThrow());
  }

  @Test
  void concurrentRequestsAcrossEveryFailoverPathNeverOverspendAndAreBilledOnce() throws Exception {
    long limit = 12_000;
    TestPouch.CreatedTestKey key = key(primary.baseUrl(), limit);
    ExecutorService clients = Executors.newFixedThreadPool(16);
    List<Future<Integer>> statuses = new ArrayList<>();
    try {
      for (int i = 0; i < 120; i++) {
        boolean stream = i % 2 == 0;
        if (i == 60) {
          primary.answeringStatus(503); // the primary fails mid-load: the dearer fallback serves
        }
        statuses.add(clients.submit(() -> pouch.chat(key, body(stream)).status()));
      }
      for (Future<Integer> status : statuses) {
        assertThat(status.get()).isIn(200, 402);
      }
    } finally {
      clients.shutdownNow();
    }

    List<Integer> answered = new ArrayList<>();
    for (Future<Integer> status : statuses) {
      answered.add(status.get());
    }
    assertThat(answered).as("the budget ran out").contains(402);
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isLessThanOrEqualTo(limit);
    assertThat(fallback.servedByRequest()).isNotEmpty();
    assertAtMostOneBillableCallPerRequest();
    assertRowsChargeTheServingUpstreamExactly(key);
  }

  private void awaitSettled(TestPouch.CreatedTestKey key) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (pouch.budget(key.id()).get("reserved_micros").asLong() > 0
        && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
