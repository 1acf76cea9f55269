package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.models.Model;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, pointed at Pouch, works as it does against OpenAI. */
class OpenAiSdkClientTest extends ServerTest {
  private static final String MOCK_TEXT =
      "Pouch answers every question with exactly these nine words";

  private TestPouch.CreatedTestKey key;

  @BeforeEach
  void createKey() {
    key =
        pouch.createKey(
            KeyBody.mock("sdk")
                .prices("2.50", "10.00")
                .providerSetting("response_text", MOCK_TEXT)
                .budgetMicros(1_000_000));
  }

  private OpenAIClient client(String apiKey) {
    return OpenAIOkHttpClient.builder()
        .apiKey(apiKey)
        .baseUrl(pouch.openAiBaseUrl())
        .maxRetries(0)
        .build();
  }

  private static ChatCompletionCreateParams.Builder question() {
    return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("Who are you?");
  }

  @Test
  void plainCompletionReturnsTheMockAnswerAndChargesItsUsage() {
    ChatCompletion completion =
        client(key.secret()).chat().completions().create(question().build());

    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().get(0).message().content()).contains(MOCK_TEXT);
    long prompt = completion.usage().orElseThrow().promptTokens();
    long output = completion.usage().orElseThrow().completionTokens();
    assertThat(output).isEqualTo(MOCK_TEXT.split(" ").length);
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong())
        .isEqualTo(costMicros(prompt, 2_500_000, output, 10_000_000));
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
  }

  @Test
  void streamedTextEqualsWhatTheMockSentAndUsageArrivesWhenAskedFor() {
    StringBuilder text = new StringBuilder();
    List<Long> usage = new ArrayList<>();
    ChatCompletionCreateParams params =
        question()
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
            .build();
    try (StreamResponse<ChatCompletionChunk> stream =
        client(key.secret()).chat().completions().createStreaming(params)) {
      stream.stream()
          .forEach(
              chunk -> {
                chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
                chunk.usage().ifPresent(u -> usage.add(u.completionTokens()));
              });
    }

    assertThat(text.toString()).isEqualTo(MOCK_TEXT);
    assertThat(usage).containsExactly((long) MOCK_TEXT.split(" ").length);
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isPositive();
  }

  @Test
  void maxCompletionTokensLimitsTheAnswer() {
    ChatCompletion completion =
        client(key.secret()).chat().completions().create(question().maxCompletionTokens(3).build());

    assertThat(completion.choices().get(0).message().content()).contains("Pouch answers every");
    assertThat(completion.choices().get(0).finishReason().asString()).isEqualTo("length");
  }

  @Test
  void aWrongKeyIsRefusedAsUnauthorized() {
    assertThatThrownBy(
            () -> client("pa-not-a-real-key").chat().completions().create(question().build()))
        .isInstanceOf(UnauthorizedException.class);
  }

  @Test
  void anExhaustedBudgetIsReportedAsRateLimitWithInsufficientQuota() {
    TestPouch.CreatedTestKey poor =
        pouch.createKey(KeyBody.mock("poor").prices("1000", "1000").budgetMicros(5));

    assertThatThrownBy(() -> client(poor.secret()).chat().completions().create(question().build()))
        .isInstanceOfSatisfying(
            OpenAIServiceException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(402);
              assertThat(e.getMessage()).contains("budget");
            });
  }

  @Test
  void aBudgetRefusalIsSentOnceEvenByAClientThatRetries() {
    TestPouch.CreatedTestKey poor =
        pouch.createKey(KeyBody.mock("poor").prices("1000", "1000").budgetMicros(5));
    OpenAIClient retrying =
        OpenAIOkHttpClient.builder()
            .apiKey(poor.secret())
            .baseUrl(pouch.openAiBaseUrl())
            .maxRetries(2) // the SDK's default
            .build();

    assertThatThrownBy(() -> retrying.chat().completions().create(question().build()))
        .isInstanceOfSatisfying(
            OpenAIServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(402));

    // every request that names a key has a request-log row: one row, one request
    TestPouch.Reply rows = pouch.admin("GET", "/api/requests?key_id=" + poor.id(), null);
    assertThat(rows.body()).hasSize(1);
    assertThat(rows.body().get(0).get("error_code").asText()).isEqualTo("budget_exceeded");
  }

  @Test
  void aRateLimitIsStillRetriedAfterItsRetryAfter() {
    TestPouch.CreatedTestKey limited =
        pouch.createKey(
            KeyBody.mock("limited")
                // a window long enough that the second request falls in it on a loaded machine
                .middleware("rate_limit", java.util.Map.of("limit", 1, "period", 4)));
    OpenAIClient retrying =
        OpenAIOkHttpClient.builder()
            .apiKey(limited.secret())
            .baseUrl(pouch.openAiBaseUrl())
            .maxRetries(2)
            .build();
    retrying.chat().completions().create(question().build());

    ChatCompletion second = retrying.chat().completions().create(question().build());

    assertThat(second.choices()).hasSize(1);
    TestPouch.Reply rows = pouch.admin("GET", "/api/requests?key_id=" + limited.id(), null);
    assertThat(rows.body()).as("refused once, retried after Retry-After, then served").hasSize(3);
  }

  @Test
  void theSdkListsAndRetrievesTheModelsAKeyCanReachAndNoOthers() {
    TestPouch.CreatedTestKey narrow =
        pouch.createKey(KeyBody.mock("narrow").allowedModels("gpt-4o-mini", "org/model-1"));
    OpenAIClient sdk = client(narrow.secret());

    assertThat(sdk.models().list().data())
        .extracting(Model::id)
        .containsExactly("gpt-4o-mini", "org/model-1");
    assertThat(sdk.models().retrieve("gpt-4o-mini").id()).isEqualTo("gpt-4o-mini");
    assertThat(sdk.models().retrieve("org/model-1").id()).isEqualTo("org/model-1");
    assertThatThrownBy(() -> sdk.models().retrieve("gpt-4o"))
        .isInstanceOfSatisfying(
            NotFoundException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(404);
              assertThat(e.getMessage()).contains("gpt-4o").contains("cannot use it");
            });
    TestPouch.Reply raw = pouch.send("GET", "/v1/models/gpt-4o", narrow.bearer(), null);
    assertThat(raw.errorCode()).isEqualTo("model_not_found");
    assertThat(raw.errorType()).isEqualTo("invalid_request_error");
  }

  /** The price rule: tokens × micro-dollars per million tokens, rounded up once. */
  static long costMicros(long prompt, long inputPerMTok, long output, long outputPerMTok) {
    long scaled = prompt * inputPerMTok + output * outputPerMTok;
    return (scaled + 999_999) / 1_000_000;
  }
}
