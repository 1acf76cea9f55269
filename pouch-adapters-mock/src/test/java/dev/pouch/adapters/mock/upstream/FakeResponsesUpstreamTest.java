package dev.pouch.adapters.mock.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.Sse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fake upstream's {@code POST /v1/responses}, over real HTTP. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FakeResponsesUpstreamTest {
  static final String TEXT = "one two three four five six seven eight";

  /** 3 + (4 + "Hi there"). */
  static final long PROMPT = 3 + 4 + 2;

  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final FakeOpenAiUpstream upstream =
      FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));

  @AfterEach
  void close() {
    upstream.close();
  }

  static String body(boolean stream, Long maxOutputTokens) {
    return "{\"model\":\"gpt-4o-mini\",\"input\":\"Hi there\""
        + (stream ? ",\"stream\":true" : "")
        + (maxOutputTokens == null ? "" : ",\"max_output_tokens\":" + maxOutputTokens)
        + "}";
  }

  HttpResponse<String> send(String body, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(upstream.baseUrl() + "/responses"))
            .header("Authorization", "Bearer sk-test")
            .header("Content-Type", "application/json")
            .header("X-Request-Id", "req_1")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.setHeader(headers[i], headers[i + 1]);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The data of each event, checking the {@code event:} line names its type. */
  static List<JsonNode> events(String body) {
    List<JsonNode> events = new ArrayList<>();
    for (String event : body.split("\n\n")) {
      String[] lines = event.split("\n");
      assertThat(lines).hasSize(2);
      JsonNode data = Sse.json(lines[1].substring("data: ".length()));
      assertThat(lines[0]).isEqualTo("event: " + data.path("type").asText());
      events.add(data);
    }
    return events;
  }

  static String text(List<JsonNode> events) {
    StringBuilder text = new StringBuilder();
    for (JsonNode event : events) {
      if (event.path("type").asText().equals("response.output_text.delta")) {
        text.append(event.path("delta").asText());
      }
    }
    return text.toString();
  }

  @Test
  void aPlainRequestGetsAResponseObjectAndIsTalliedByItsRequestId() throws Exception {
    HttpResponse<String> response = send(body(false, null));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode json = Sse.json(response.body());
    assertThat(json.path("object").asText()).isEqualTo("response");
    assertThat(json.path("status").asText()).isEqualTo("completed");
    assertThat(json.at("/output/0/content/0/text").asText()).isEqualTo(TEXT);
    assertThat(json.at("/usage/input_tokens").asLong()).isEqualTo(PROMPT);
    assertThat(json.at("/usage/output_tokens").asLong()).isEqualTo(8);
    assertThat(upstream.servedByRequest())
        .containsEntry("req_1", new FakeOpenAiUpstream.Served(PROMPT, 8));
  }

  @Test
  void aStreamSendsTheDocumentedEventsAndEndsWithTheCompletedResponse() throws Exception {
    HttpResponse<String> response = send(body(true, null));

    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
    List<JsonNode> events = events(response.body());
    assertThat(events.get(0).path("type").asText()).isEqualTo("response.created");
    assertThat(events.get(1).path("type").asText()).isEqualTo("response.in_progress");
    assertThat(events.get(2).path("type").asText()).isEqualTo("response.output_item.added");
    assertThat(events.get(3).path("type").asText()).isEqualTo("response.content_part.added");
    JsonNode last = events.get(events.size() - 1);
    assertThat(last.path("type").asText()).isEqualTo("response.completed");
    assertThat(last.at("/response/usage/output_tokens").asLong()).isEqualTo(8);
    assertThat(text(events)).isEqualTo(TEXT);
    assertThat(upstream.servedByRequest().get("req_1").completionTokens()).isEqualTo(8);
  }

  @Test
  void maxOutputTokensEndsTheAnswerIncompleteAndOnlyThoseTokensAreServed() throws Exception {
    List<JsonNode> events = events(send(body(true, 3L)).body());

    JsonNode last = events.get(events.size() - 1);
    assertThat(last.path("type").asText()).isEqualTo("response.incomplete");
    assertThat(last.at("/response/incomplete_details/reason").asText())
        .isEqualTo("max_output_tokens");
    assertThat(text(events)).isEqualTo("one two three");
    assertThat(upstream.servedByRequest().get("req_1").completionTokens()).isEqualTo(3);
  }

  @Test
  void anUpstreamIgnoringTheLimitServesMoreThanAskedAndTalliesIt() throws Exception {
    List<JsonNode> events = events(send(body(true, 3L), "x-fake-ignore-max-tokens", "true").body());

    long deltas =
        events.stream()
            .filter(e -> e.path("type").asText().equals("response.output_text.delta"))
            .count();
    assertThat(deltas).isGreaterThanOrEqualTo(2 * 3 + 10);
    assertThat(upstream.servedByRequest().get("req_1").completionTokens()).isEqualTo(deltas);
  }

  @Test
  void omittedUsageLeavesTheFinalResponseWithoutIt() throws Exception {
    List<JsonNode> events = events(send(body(true, null), "x-fake-omit-usage", "true").body());

    assertThat(events.get(events.size() - 1).at("/response/usage").isNull()).isTrue();
  }

  @Test
  void theErrorEventQuirkSendsTheResponsesErrorEvent() throws Exception {
    upstream.withQuirks(FakeOpenAiUpstream.Quirk.ERROR_EVENT);

    List<JsonNode> events = events(send(body(true, null)).body());

    JsonNode last = events.get(events.size() - 1);
    assertThat(last.path("type").asText()).isEqualTo("error");
    assertThat(last.path("code").asText()).isEqualTo("server_error");
    assertThat(last.path("sequence_number").asLong()).isEqualTo(events.size() - 1);
  }

  @Test
  void anUnfinishedStreamLeavesOutItsTerminalEvent() throws Exception {
    upstream.withQuirks(FakeOpenAiUpstream.Quirk.UNFINISHED_STREAM);

    List<JsonNode> events = events(send(body(true, null)).body());

    assertThat(events.get(events.size() - 1).path("type").asText())
        .isEqualTo("response.output_item.done");
    assertThat(text(events)).isEqualTo(TEXT);
  }

  @Test
  void reportedUsageReplacesTheFinalResponsesUsage() throws Exception {
    upstream.reportingUsage("{\"input_tokens\":1,\"output_tokens\":1,\"total_tokens\":2}");

    List<JsonNode> events = events(send(body(true, null)).body());
    JsonNode plain = Sse.json(send(body(false, null)).body());

    assertThat(events.get(events.size() - 1).at("/response/usage/total_tokens").asLong())
        .isEqualTo(2);
    assertThat(plain.at("/usage/total_tokens").asLong()).isEqualTo(2);
  }

  @Test
  void anInvalidRequestIsRefusedNamingTheField() throws Exception {
    HttpResponse<String> response =
        send("{\"model\":\"gpt-4o-mini\",\"input\":\"Hi\",\"max_output_tokens\":0}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(Sse.json(response.body()).at("/error/param").asText())
        .isEqualTo("max_output_tokens");
  }
}
