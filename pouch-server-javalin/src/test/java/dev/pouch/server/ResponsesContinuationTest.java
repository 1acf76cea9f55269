package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * FINANCIAL_SAFETY of {@code previous_response_id} over real HTTP, driven by openai-java against
 * the fake OpenAI upstream (which bills a continued response's input and output again as input, as
 * OpenAI does): Pouch bounds a continuation by the context it recorded when it served the previous
 * response, and refuses ids it did not serve to the same key.
 */
class ResponsesContinuationTest extends FakeUpstreamServerTest {
  /** 40 words: each turn adds its input and these 40 output tokens to the next one's context. */
  private static final String TEXT =
      String.join(" ", java.util.Collections.nCopies(10, "foxes run far away"));

  private OpenAIClient sdk(TestPouch.CreatedTestKey key) {
    return OpenAIOkHttpClient.builder()
        .apiKey(key.secret())
        .baseUrl(pouch.openAiBaseUrl())
        .maxRetries(0)
        .build();
  }

  private static ResponseCreateParams.Builder turn(int i) {
    return ResponseCreateParams.builder()
        .model("gpt-4o-mini")
        .input("Tell me more about foxes, part " + i + ".")
        .maxOutputTokens(60);
  }

  private static Map<String, Object> body(Object... fields) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("input", "Tell me about foxes.");
    for (int i = 0; i < fields.length; i += 2) {
      body.put((String) fields[i], fields[i + 1]);
    }
    return body;
  }

  /** Creates a response plainly (even turns) or streamed (odd turns); returns its id. */
  private String create(OpenAIClient client, int i, String previous) {
    ResponseCreateParams.Builder params = turn(i);
    if (previous != null) {
      params.previousResponseId(previous);
    }
    if (i % 2 == 0) {
      return client.responses().create(params.build()).id();
    }
    Response completed = null;
    try (StreamResponse<ResponseStreamEvent> stream =
        client.responses().createStreaming(params.build())) {
      for (Iterator<ResponseStreamEvent> events = stream.stream().iterator(); events.hasNext(); ) {
        ResponseStreamEvent event = events.next();
        if (event.completed().isPresent()) {
          completed = event.completed().get().response();
        }
      }
    }
    assertThat(completed).as("turn %d completed", i).isNotNull();
    return completed.id();
  }

  /** The key's rows, oldest first, once every reservation has settled. */
  private List<JsonNode> settledRows(TestPouch.CreatedTestKey key, int expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while ((ServedCharges.rows(pouch, key).size() < expected
            || pouch.budget(key.id()).get("reserved_micros").asLong() != 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    List<JsonNode> rows = new ArrayList<>(ServedCharges.rows(pouch, key).values());
    rows.sort(
        Comparator.comparing(
            (JsonNode row) -> java.time.Instant.parse(row.get("created_at").asText())));
    return rows;
  }

  @Test
  void
      FINANCIAL_SAFETY_aChainOfFiveContinuationsIsReservedItsGrowingContextAndChargedWhatTheUpstreamBilled()
          throws Exception {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    long budget = 2_000;
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("chain", "unused").budgetMicros(budget));
    OpenAIClient client = sdk(key);

    String previous = null;
    for (int i = 0; i < 5; i++) {
      previous = create(client, i, previous);
      assertThat(previous).startsWith("resp_");
    }

    List<JsonNode> rows = settledRows(key, 5);
    assertThat(rows).hasSize(5);
    for (int i = 0; i < 5; i++) {
      JsonNode row = rows.get(i);
      assertThat(row.get("settlement").asText())
          .as("turn %d: the upstream's usage, within Pouch's bounds, is charged", i)
          .isEqualTo("usage_reported");
      assertThat(row.get("completion_tokens").asLong()).isEqualTo(40);
      if (i > 0) {
        JsonNode before = rows.get(i - 1);
        long context =
            before.get("prompt_tokens").asLong() + before.get("completion_tokens").asLong();
        assertThat(row.get("prompt_tokens").asLong())
            .as("turn %d is billed the previous turn's input and output again", i)
            .isGreaterThan(context);
        assertThat(row.get("reserved_micros").asLong())
            .as("turn %d reserves the previous context, its input and its output limit", i)
            .isGreaterThanOrEqualTo(ServedCharges.cost(row.get("prompt_tokens").asLong(), 60));
      }
    }
    long served =
        upstream.servedByRequest().values().stream()
            .mapToLong(s -> ServedCharges.cost(s.promptTokens(), s.completionTokens()))
            .sum();
    JsonNode spent = pouch.budget(key.id());
    assertThat(spent.get("spent_micros").asLong())
        .as("the ledger is the upstream's tally × price")
        .isEqualTo(served)
        .isLessThanOrEqualTo(budget);
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void FINANCIAL_SAFETY_anIdPouchNeverServedIsRefusedOnABudgetKeyBeforeAnythingGoesUpstream() {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("budget", "unused").budgetMicros(1_000_000));

    TestPouch.Reply reply =
        pouch.send(
            "POST", "/v1/responses", key.bearer(), body("previous_response_id", "resp_never"));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body().at("/error/type").asText()).isEqualTo("invalid_request_error");
    assertThat(reply.body().at("/error/param").asText()).isEqualTo("previous_response_id");
    assertThat(reply.body().at("/error/message").asText()).contains("resp_never");
    assertThat(upstream.requestsReceived()).as("nothing went upstream").isZero();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isZero();
  }

  @Test
  void FINANCIAL_SAFETY_anotherKeysResponseIsRefusedOnAnyKey() {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    TestPouch.CreatedTestKey owner =
        upstreamKey(KeyBody.openAi("owner", "unused").budgetMicros(1_000_000));
    TestPouch.CreatedTestKey otherBudget =
        upstreamKey(KeyBody.openAi("other", "unused").budgetMicros(1_000_000));
    TestPouch.CreatedTestKey otherUnlimited = upstreamKey(KeyBody.openAi("unlimited", "unused"));
    String id = create(sdk(owner), 0, null);
    long received = upstream.requestsReceived();

    for (TestPouch.CreatedTestKey other : List.of(otherBudget, otherUnlimited)) {
      TestPouch.Reply reply =
          pouch.send("POST", "/v1/responses", other.bearer(), body("previous_response_id", id));

      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.body().at("/error/param").asText()).isEqualTo("previous_response_id");
    }
    assertThat(upstream.requestsReceived()).as("nothing more went upstream").isEqualTo(received);
    TestPouch.Reply own =
        pouch.send("POST", "/v1/responses", owner.bearer(), body("previous_response_id", id));
    assertThat(own.status()).as("its own key continues it").isEqualTo(200);
  }

  @Test
  void FINANCIAL_SAFETY_aResponseNotStoredIsNotRecordedSoContinuingItIsRefusedOnABudgetKey() {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("budget", "unused").budgetMicros(1_000_000));
    Response unstored = sdk(key).responses().create(turn(0).store(false).build());

    TestPouch.Reply reply =
        pouch.send(
            "POST", "/v1/responses", key.bearer(), body("previous_response_id", unstored.id()));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body().at("/error/param").asText()).isEqualTo("previous_response_id");
  }

  @Test
  void FINANCIAL_SAFETY_aContinuationWithoutUsageIsChargedItsCountAndTheRecordedContext()
      throws Exception {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT).withOmitUsage(true));
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("counted", "unused").budgetMicros(1_000_000));
    OpenAIClient client = sdk(key);

    String first = create(client, 0, null);
    create(client, 1, first);

    List<JsonNode> rows = settledRows(key, 2);
    assertThat(rows).extracting(row -> row.get("settlement").asText()).containsOnly("counted");
    JsonNode before = rows.get(0);
    assertThat(rows.get(1).get("prompt_tokens").asLong())
        .as("the count of its own input plus the context recorded for the first response")
        .isGreaterThan(
            before.get("prompt_tokens").asLong() + before.get("completion_tokens").asLong());
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }
}
