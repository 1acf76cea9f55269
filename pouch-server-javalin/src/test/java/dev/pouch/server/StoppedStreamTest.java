package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A client that stops a stream ("Stop generating") pays for about what the upstream produced, not
 * for the whole answer it could have had (issue 10, item 6; G6): the output relayed plus a margin
 * from the pace it came at, never less than the upstream served. A model that may bill hidden
 * output keeps the full reservation: its pace says nothing of what it billed.
 */
class StoppedStreamTest extends FakeUpstreamServerTest {
  private static final int READ_BEFORE_STOP = 10;

  private TestPouch.CreatedTestKey slowKey() {
    // 2,000 tokens 20 ms apart: the upstream could go on for 40 seconds
    startUpstream(
        FakeUpstreamSettings.DEFAULT
            .withChunkDelayMs(20)
            .withResponseText(String.join(" ", Collections.nCopies(2_000, "fox"))));
    return upstreamKey(KeyBody.openAi("stopper", "unused").budgetMicros(1_000_000));
  }

  private static Map<String, Object> chat(String model) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", model);
    body.put("messages", List.of(Map.of("role", "user", "content", "Tell me about foxes.")));
    body.put("stream", true);
    return body;
  }

  /** Reads until {@code contentEvents} events with content arrived, then walks away. */
  private void readThenStop(TestPouch.CreatedTestKey key, String model) throws Exception {
    HttpResponse<InputStream> response = pouch.openStream(key, chat(model));
    assertThat(response.statusCode()).isEqualTo(200);
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      int seen = 0;
      String line;
      while (seen < READ_BEFORE_STOP && (line = lines.readLine()) != null) {
        if (line.contains("\"content\":\"")) {
          seen++;
        }
      }
      assertThat(seen).isEqualTo(READ_BEFORE_STOP);
    }
  }

  private JsonNode settledRow(TestPouch.CreatedTestKey key) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while ((upstream.streamsAborted() == 0
            || pouch.budget(key.id()).get("reserved_micros").asLong() != 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(upstream.streamsAborted()).as("the upstream saw the cancel").isEqualTo(1);
    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    assertThat(rows).hasSize(1);
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
    return rows.values().iterator().next();
  }

  @Test
  void aStoppedStreamIsChargedWhatWasProducedPlusAMarginNotItsReservation() throws Exception {
    TestPouch.CreatedTestKey key = slowKey();

    readThenStop(key, "gpt-4o-mini");

    JsonNode row = settledRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("client_closed");
    assertThat(row.get("error_code").asText()).isEqualTo("client_closed");
    long served = upstream.servedByRequest().get(row.get("id").asText()).completionTokens();
    assertThat(row.get("completion_tokens").asLong())
        .as("at least what the upstream served")
        .isGreaterThanOrEqualTo(served)
        .isGreaterThanOrEqualTo(READ_BEFORE_STOP)
        .as("far below the 16,384 tokens reserved, and the 2,000 it could have streamed")
        .isLessThan(1_000);
    assertThat(row.get("cost_micros").asLong())
        .as("a small part of the reservation")
        .isLessThan(row.get("reserved_micros").asLong() / 10);
  }

  @Test
  void theOpenAiSdksStreamClosedAfterAFewChunksIsChargedWhatWasProduced() throws Exception {
    TestPouch.CreatedTestKey key = slowKey();
    OpenAIClient client =
        OpenAIOkHttpClient.builder()
            .apiKey(key.secret())
            .baseUrl(pouch.openAiBaseUrl())
            .maxRetries(0)
            .build();
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder()
            .model("gpt-4o-mini")
            .addUserMessage("Tell me about foxes.")
            .build();

    int seen = 0;
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      Iterator<ChatCompletionChunk> chunks = stream.stream().iterator();
      while (seen < READ_BEFORE_STOP && chunks.hasNext()) {
        if (chunks.next().choices().stream().anyMatch(c -> c.delta().content().isPresent())) {
          seen++;
        }
      }
    } // "Stop generating": the SDK closes the response
    assertThat(seen).isEqualTo(READ_BEFORE_STOP);

    JsonNode row = settledRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("client_closed");
    assertThat(row.get("cost_micros").asLong())
        .isLessThan(row.get("reserved_micros").asLong() / 10);
  }

  @Test
  void aStoppedStreamOfAModelWithHiddenOutputIsChargedItsReservation() throws Exception {
    TestPouch.CreatedTestKey key = slowKey();

    readThenStop(key, "gpt-5-mini"); // a reasoning model: it bills tokens it never streams

    JsonNode row = settledRow(key);
    assertThat(row.get("settlement").asText()).isEqualTo("full_reservation");
    assertThat(row.get("cost_micros").asLong()).isEqualTo(row.get("reserved_micros").asLong());
  }
}
