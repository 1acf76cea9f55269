package dev.pouch.adapters.mock.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.Sse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fake upstream's {@code POST /v1/completions}: OpenAI's legacy text completions. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FakeOpenAiUpstreamCompletionsTest {
  static final String TEXT = "one two three four five six seven eight";

  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final FakeOpenAiUpstream upstream =
      FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));

  @AfterEach
  void close() {
    upstream.close();
  }

  HttpResponse<String> post(String body, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(upstream.baseUrl() + "/completions"))
            .header("Authorization", "Bearer sk-test")
            .header("Content-Type", "application/json")
            .header("X-Request-Id", "req_1")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.setHeader(headers[i], headers[i + 1]);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aPlainRequestGetsATextCompletionWithUsageAndIsTallied() throws Exception {
    HttpResponse<String> response =
        post("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say hi\",\"max_tokens\":5}");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode answer = Sse.json(response.body());
    assertThat(answer.path("object").asText()).isEqualTo("text_completion");
    assertThat(answer.path("choices").get(0).path("text").asText())
        .isEqualTo(" one two three four five");
    assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("length");
    assertThat(answer.path("usage").path("prompt_tokens").asLong()).isEqualTo(2);
    assertThat(answer.path("usage").path("completion_tokens").asLong()).isEqualTo(5);
    assertThat(upstream.servedByRequest())
        .containsEntry("req_1", new FakeOpenAiUpstream.Served(2, 5));
  }

  @Test
  void withoutMaxTokensItStopsAtOpenAisDefaultOfSixteen() throws Exception {
    FakeOpenAiUpstream wordy =
        FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT.withResponseText("w ".repeat(30)));
    try (wordy) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create(wordy.baseUrl() + "/completions"))
                  .header("Authorization", "Bearer sk-test")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"prompt\":\"x\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(Sse.json(response.body()).path("usage").path("completion_tokens").asLong())
          .isEqualTo(16);
    }
  }

  @Test
  void aStreamSendsTextChunksTheUsageChunkWhenAskedAndDone() throws Exception {
    HttpResponse<String> response =
        post(
            "{\"model\":\"m\",\"prompt\":[\"a\",\"b c\"],\"max_tokens\":3,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}");

    List<String> payloads = Sse.payloads(response.body());
    List<JsonNode> chunks = Sse.chunks(payloads);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
    assertThat(payloads.get(payloads.size() - 1)).isEqualTo("[DONE]");
    assertThat(text(chunks, 0)).isEqualTo(" one two three");
    assertThat(text(chunks, 1)).isEqualTo(" one two three");
    JsonNode usage = chunks.get(chunks.size() - 1);
    assertThat(usage.path("object").asText()).isEqualTo("text_completion");
    assertThat(usage.path("choices")).isEmpty();
    assertThat(usage.path("usage").path("completion_tokens").asLong()).isEqualTo(6);
    assertThat(upstream.servedByRequest())
        .containsEntry("req_1", new FakeOpenAiUpstream.Served(3, 6));
  }

  @Test
  void aStreamWithoutStreamOptionsHasNoUsageChunk() throws Exception {
    HttpResponse<String> response =
        post("{\"model\":\"m\",\"prompt\":\"a\",\"max_tokens\":2,\"stream\":true}");

    for (JsonNode chunk : Sse.chunks(Sse.payloads(response.body()))) {
      assertThat(chunk.has("usage")).isFalse();
    }
  }

  @Test
  void bestOfCandidatesAreBilledAndTalliedButNotSent() throws Exception {
    HttpResponse<String> plain =
        post("{\"model\":\"m\",\"prompt\":\"a\",\"max_tokens\":2,\"n\":1,\"best_of\":3}");
    HttpResponse<String> streamed =
        post(
            "{\"model\":\"m\",\"prompt\":\"a\",\"max_tokens\":2,\"best_of\":3,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}",
            "X-Request-Id",
            "req_2");

    assertThat(Sse.json(plain.body()).path("choices")).hasSize(1);
    assertThat(Sse.json(plain.body()).path("usage").path("completion_tokens").asLong())
        .isEqualTo(6);
    List<JsonNode> chunks = Sse.chunks(Sse.payloads(streamed.body()));
    assertThat(text(chunks, 1)).isEmpty();
    assertThat(upstream.servedByRequest())
        .containsEntry("req_1", new FakeOpenAiUpstream.Served(1, 6))
        .containsEntry("req_2", new FakeOpenAiUpstream.Served(1, 6));
  }

  @Test
  void echoRepeatsThePromptBeforeTheOutput() throws Exception {
    HttpResponse<String> response =
        post(
            "{\"model\":\"m\",\"prompt\":\"Say hi\",\"max_tokens\":2,\"echo\":true,"
                + "\"stream\":true}");

    assertThat(text(Sse.chunks(Sse.payloads(response.body())), 0)).isEqualTo("Say hi one two");
    assertThat(upstream.completionTokensSent()).isEqualTo(2);
  }

  @Test
  void anInvalidPromptIsRefusedInOpenAisShape() throws Exception {
    HttpResponse<String> response = post("{\"model\":\"m\",\"prompt\":{\"a\":1}}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(Sse.json(response.body()).path("error").path("param").asText()).isEqualTo("prompt");
  }

  @Test
  void anUpstreamIgnoringMaxTokensRunsPastIt() throws Exception {
    HttpResponse<String> response =
        post(
            "{\"model\":\"m\",\"prompt\":\"a\",\"max_tokens\":2}", "x-fake-ignore-max-tokens", "1");

    assertThat(Sse.json(response.body()).path("usage").path("completion_tokens").asLong())
        .isGreaterThan(2);
  }

  private static String text(List<JsonNode> chunks, int index) {
    StringBuilder text = new StringBuilder();
    for (JsonNode chunk : chunks) {
      for (JsonNode choice : chunk.path("choices")) {
        if (choice.path("index").asInt() == index) {
          text.append(choice.path("text").asText());
        }
      }
    }
    return text.toString();
  }
}
