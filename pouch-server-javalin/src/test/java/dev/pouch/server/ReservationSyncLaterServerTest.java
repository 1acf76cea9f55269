package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import dev.pouch.application.port.out.ReservationSync;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A server started with {@code --reservation-sync later}, driven by the official openai-java SDK
 * over real HTTP against the fake upstream: each request is still reserved before it goes upstream
 * and charged exactly what the upstream served it, plain and streamed (FINANCIAL_SAFETY G3: the
 * mode changes when a reservation reaches the disk, never what it reserves or charges).
 */
class ReservationSyncLaterServerTest extends FakeUpstreamServerTest {

  @Override
  TestPouch start(Path dataDir) {
    return TestPouch.start(dataDir, config -> config.withReservationSync(ReservationSync.LATER));
  }

  @Test
  void plainAndStreamedRequestsAreReservedFirstAndChargedWhatTheUpstreamServed() {
    startUpstream(FakeUpstreamSettings.DEFAULT);
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("later", "unused").budgetMicros(1_000_000));
    OpenAIClient client =
        OpenAIOkHttpClient.builder()
            .apiKey(key.secret())
            .baseUrl(pouch.openAiBaseUrl())
            .maxRetries(0)
            .build();
    ChatCompletionCreateParams.Builder question =
        ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("Who are you?");

    ChatCompletion plain = client.chat().completions().create(question.build());
    try (StreamResponse<ChatCompletionChunk> stream =
        client
            .chat()
            .completions()
            .createStreaming(
                question
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                    .build())) {
      assertThat(stream.stream().count()).isPositive();
    }

    assertThat(plain.usage().orElseThrow().completionTokens()).isPositive();
    assertThat(upstream.servedByRequest()).hasSize(2);
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
    long served =
        upstream.servedByRequest().values().stream()
            .mapToLong(s -> ServedCharges.cost(s.promptTokens(), s.completionTokens()))
            .sum();
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong()).as("exactly what was served").isEqualTo(served);
  }
}
