package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/embeddings} through the metered pipeline, driven by the official openai-java SDK:
 * every input form, dimensions and base64 passed through, the charge equal to what the upstream
 * served at the table's price, and refusals in OpenAI's shape.
 */
class EmbeddingsTest extends ServerTest {
  // text-embedding-3-small in the bundled table: $0.02 per million input tokens
  private static final long INPUT_PER_MTOK = 20_000;
  private static final String MODEL = "text-embedding-3-small";

  private FakeOpenAiUpstream upstream;

  @AfterEach
  void stopUpstream() {
    if (upstream != null) {
      upstream.close();
    }
  }

  private TestPouch.CreatedTestKey openAiKey(long budgetMicros) {
    upstream = FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT);
    return pouch.createKey(
        KeyBody.openAi("embeddings", upstream.baseUrl()).budgetMicros(budgetMicros));
  }

  private OpenAIClient client(TestPouch.CreatedTestKey key) {
    return OpenAIOkHttpClient.builder()
        .apiKey(key.secret())
        .baseUrl(pouch.openAiBaseUrl())
        .maxRetries(0)
        .build();
  }

  private static EmbeddingCreateParams.Builder embed() {
    return EmbeddingCreateParams.builder().model(MODEL);
  }

  @Test
  void everyInputFormIsServedAndChargedWhatTheUpstreamServedAtTheTablePrice() {
    TestPouch.CreatedTestKey key = openAiKey(1_000_000);
    OpenAIClient client = client(key);

    CreateEmbeddingResponse one =
        client.embeddings().create(embed().input("one two three").build());
    CreateEmbeddingResponse strings =
        client
            .embeddings()
            .create(embed().inputOfArrayOfStrings(List.of("alpha beta", "gamma")).build());
    CreateEmbeddingResponse tokens =
        client.embeddings().create(embed().inputOfArrayOfTokens(List.of(1L, 2L, 3L, 4L)).build());
    CreateEmbeddingResponse arrays =
        client
            .embeddings()
            .create(
                embed().inputOfArrayOfTokenArrays(List.of(List.of(5L, 6L), List.of(7L))).build());

    assertThat(one.data()).hasSize(1);
    assertThat(strings.data()).hasSize(2);
    assertThat(tokens.data()).hasSize(1);
    assertThat(arrays.data()).hasSize(2);
    assertThat(tokens.usage().promptTokens()).isEqualTo(4);
    assertThat(arrays.usage().promptTokens()).isEqualTo(3);
    long reported =
        List.of(one, strings, tokens, arrays).stream()
            .mapToLong(answer -> answer.usage().promptTokens())
            .sum();
    assertThat(upstream.promptTokens()).isEqualTo(reported);
    assertThat(upstream.completionTokensSent()).isZero();
    long expected = 0;
    for (FakeOpenAiUpstream.Served served : upstream.servedByRequest().values()) {
      expected += costMicros(served.promptTokens());
    }
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong()).isEqualTo(expected);
    assertThat(budget.get("reserved_micros").asLong()).isZero();
    ServedCharges.rows(pouch, key)
        .values()
        .forEach(
            row -> {
              assertThat(row.get("completion_tokens").asLong()).isZero();
              assertThat(row.get("settlement").asText()).isEqualTo("usage_reported");
            });
  }

  @Test
  void dimensionsAndBase64PassThroughToTheUpstream() throws Exception {
    TestPouch.CreatedTestKey key = openAiKey(1_000_000);

    CreateEmbeddingResponse answer =
        client(key)
            .embeddings()
            .create(
                embed()
                    .input("short")
                    .dimensions(8)
                    .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64)
                    .build());

    JsonNode sent = pouch.json().readTree(upstream.lastRequestBody().orElseThrow());
    assertThat(sent.get("dimensions").asInt()).isEqualTo(8);
    assertThat(sent.get("encoding_format").asText()).isEqualTo("base64");
    assertThat(answer.data().get(0).embedding()).hasSize(8);
  }

  @Test
  void theMockProviderAnswersEmbeddingsWithItsWordCount() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.mock("mock-embeddings").prices("0.02", "0").budgetMicros(1_000));

    CreateEmbeddingResponse answer =
        client(key).embeddings().create(embed().input("four words of input").build());

    assertThat(answer.data()).hasSize(1);
    assertThat(answer.data().get(0).embedding()).hasSize(1536);
    assertThat(answer.usage().promptTokens()).isEqualTo(4);
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isEqualTo(costMicros(4));
  }

  @Test
  void aBudgetThatCannotPayForTheInputsIsRefusedWithoutReachingTheUpstream() {
    TestPouch.CreatedTestKey key = openAiKey(1);
    String big = "word ".repeat(200);

    OpenAIServiceException refused =
        Assertions.catchThrowableOfType(
            OpenAIServiceException.class,
            () -> client(key).embeddings().create(embed().input(big).build()));

    assertThat(refused.statusCode()).isEqualTo(402);
    assertThat(refused.getMessage()).contains("budget");
    assertThat(upstream.requestsReceived()).isZero();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isZero();
  }

  @Test
  void malformedInputAndUnknownFieldsGetOpenAisErrorShape() {
    TestPouch.CreatedTestKey key = openAiKey(1_000_000);

    TestPouch.Reply empty =
        pouch.send(
            "POST",
            "/v1/embeddings",
            "Bearer " + key.secret(),
            Map.of("model", MODEL, "input", List.of()));
    TestPouch.Reply mixed =
        pouch.send(
            "POST",
            "/v1/embeddings",
            "Bearer " + key.secret(),
            Map.of("model", MODEL, "input", List.of("text", 3)));
    TestPouch.Reply unknown =
        pouch.send(
            "POST",
            "/v1/embeddings",
            "Bearer " + key.secret(),
            Map.of("model", MODEL, "input", "text", "documents", List.of("x")));

    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.body().at("/error/param").asText()).isEqualTo("input");
    assertThat(mixed.status()).isEqualTo(400);
    assertThat(mixed.body().at("/error/type").asText()).isEqualTo("invalid_request_error");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body().at("/error/param").asText()).isEqualTo("documents");
    assertThat(upstream.requestsReceived()).isZero();
    Assertions.assertThatThrownBy(() -> client(key).embeddings().create(embed().input("").build()))
        .isInstanceOf(BadRequestException.class);
  }

  /** Input tokens at text-embedding-3-small's price, rounded up to the micro-dollar. */
  private static long costMicros(long promptTokens) {
    return OpenAiSdkClientTest.costMicros(promptTokens, INPUT_PER_MTOK, 0, 0);
  }
}
