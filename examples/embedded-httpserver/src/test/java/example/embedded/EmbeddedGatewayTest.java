package example.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.domain.budget.Budget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded gateway called by the official OpenAI Java SDK over loopback HTTP: plain and
 * streamed answers are charged to the key's budget, refusals arrive as the SDK's exceptions.
 */
class EmbeddedGatewayTest {
  @TempDir Path dir;
  private EmbeddedGateway gateway;
  private CreatedKey key;

  @BeforeEach
  void start() throws Exception {
    gateway = EmbeddedGateway.start(dir.resolve("pouch.db"), 0);
    key = gateway.pouch().keys().create(Main.demoKey(1_000_000));
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  private OpenAIClient client(String apiKey) {
    return OpenAIOkHttpClient.builder()
        .baseUrl("http://127.0.0.1:" + gateway.port() + "/v1")
        .apiKey(apiKey)
        .maxRetries(0)
        .build();
  }

  private static ChatCompletionCreateParams.Builder question() {
    return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("Who are you?");
  }

  private Budget budget() {
    return gateway.pouch().keys().get(key.view().key().id()).budget();
  }

  @Test
  void aPlainAnswerIsChargedToTheBudget() {
    ChatCompletion completion =
        client(key.secret()).chat().completions().create(question().build());

    assertThat(completion.choices().get(0).message().content()).isPresent();
    long output = completion.usage().orElseThrow().completionTokens();
    assertThat(output).isPositive();
    assertThat(budget().spentMicros()).isPositive();
    assertThat(budget().reservedMicros()).isZero();
  }

  @Test
  void aStreamedAnswerArrivesInChunksAndIsChargedOnce() {
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

    assertThat(text).isNotEmpty();
    assertThat(usage).singleElement().isEqualTo((long) text.toString().split(" ").length);
    assertThat(budget().spentMicros()).isPositive();
    assertThat(budget().reservedMicros()).isZero();
    assertThat(gateway.pouch().requestLog().list(key.view().key().id(), null, 10))
        .singleElement()
        .satisfies(row -> assertThat(row.streamed()).isTrue());
  }

  @Test
  void aWrongKeyIsUnauthorized() {
    assertThatThrownBy(() -> client("pa-wrong").chat().completions().create(question().build()))
        .isInstanceOf(UnauthorizedException.class);
  }

  @Test
  void aBudgetThatCannotPayIsRefusedWithoutCharge() {
    CreatedKey poor = gateway.pouch().keys().create(Main.demoKey(1));

    assertThatThrownBy(() -> client(poor.secret()).chat().completions().create(question().build()))
        .isInstanceOfSatisfying(
            OpenAIServiceException.class,
            refused -> assertThat(refused.statusCode()).isEqualTo(402));
    assertThat(gateway.pouch().keys().get(poor.view().key().id()).budget().spentMicros()).isZero();
  }
}
