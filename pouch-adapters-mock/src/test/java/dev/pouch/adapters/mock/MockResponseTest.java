package dev.pouch.adapters.mock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.provider.ResponsesRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MockResponseTest {
  private static final String TEXT = "one two three four five";
  private static final MockBehavior BEHAVIOR = new MockBehavior(TEXT, 0, 0, false, 0);

  static ResponsesRequest request(Object... extra) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "mock-model");
    body.put("instructions", "Be brief");
    body.put("input", "Say hello please");
    for (int i = 0; i < extra.length; i += 2) {
      body.put((String) extra[i], extra[i + 1]);
    }
    return ResponsesRequest.of(body);
  }

  /** Each event as {@code [type line, data JSON]}, checking the named-event framing. */
  static List<JsonNode> events(MockStream stream) throws IOException {
    List<JsonNode> events = new ArrayList<>();
    for (byte[] event = stream.next(); event != null; event = stream.next()) {
      events.add(event(event));
    }
    return events;
  }

  static JsonNode event(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertThat(text).startsWith("event: ").endsWith("\n\n");
    String[] lines = text.split("\n");
    JsonNode data = Sse.json(lines[1].substring("data: ".length()));
    assertThat(lines[0]).isEqualTo("event: " + data.path("type").asText());
    return data;
  }

  @Test
  void thePlainAnswerIsAResponseObjectWithItsTextAndUsage() {
    MockResponse answer = MockResponse.of(request(), BEHAVIOR);

    JsonNode json = Sse.json(new String(answer.toJson(true), StandardCharsets.UTF_8));

    assertThat(json.path("object").asText()).isEqualTo("response");
    assertThat(json.path("status").asText()).isEqualTo("completed");
    assertThat(json.path("instructions").asText()).isEqualTo("Be brief");
    assertThat(json.at("/output/0/content/0/text").asText()).isEqualTo(TEXT);
    // 3 + (4 + 2 words of instructions) + (4 + 3 words of input)
    assertThat(json.at("/usage/input_tokens").asLong()).isEqualTo(16);
    assertThat(json.at("/usage/output_tokens").asLong()).isEqualTo(5);
    assertThat(json.at("/usage/total_tokens").asLong()).isEqualTo(21);
  }

  @Test
  void maxOutputTokensEndsTheAnswerIncomplete() {
    MockResponse answer = MockResponse.of(request("max_output_tokens", 2L), BEHAVIOR);

    JsonNode json = Sse.json(new String(answer.toJson(true), StandardCharsets.UTF_8));

    assertThat(answer.status()).isEqualTo("incomplete");
    assertThat(json.at("/incomplete_details/reason").asText()).isEqualTo("max_output_tokens");
    assertThat(json.at("/output/0/content/0/text").asText()).isEqualTo("one two");
    assertThat(json.at("/usage/output_tokens").asLong()).isEqualTo(2);
  }

  @Test
  void theStreamFollowsTheDocumentedEventSequenceWithOneDeltaPerToken() throws IOException {
    MockResponse answer = MockResponse.of(request(), BEHAVIOR);

    List<JsonNode> events = events(answer.stream(true));

    List<String> types = events.stream().map(e -> e.path("type").asText()).toList();
    assertThat(types)
        .containsExactly(
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed");
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).path("sequence_number").asLong()).isEqualTo(i);
    }
    StringBuilder text = new StringBuilder();
    events.stream()
        .filter(e -> e.path("type").asText().equals("response.output_text.delta"))
        .forEach(e -> text.append(e.path("delta").asText()));
    assertThat(text.toString()).isEqualTo(TEXT);
    JsonNode completed = events.get(events.size() - 1).path("response");
    assertThat(completed.at("/usage/output_tokens").asLong()).isEqualTo(5);
    assertThat(completed.at("/output/0/content/0/text").asText()).isEqualTo(TEXT);
  }

  @Test
  void aStreamCutByPouchEndsWithAnIncompleteResponseOfWhatStreamed() throws IOException {
    MockStream stream = MockResponse.of(request(), BEHAVIOR).stream(true);
    for (int i = 0; i < 6; i++) {
      stream.next(); // four leading events and two deltas
    }

    JsonNode trailer = event(stream.cutTrailer());

    assertThat(trailer.path("type").asText()).isEqualTo("response.incomplete");
    assertThat(trailer.path("sequence_number").asLong()).isEqualTo(6);
    assertThat(trailer.at("/response/status").asText()).isEqualTo("incomplete");
    assertThat(trailer.at("/response/output/0/content/0/text").asText()).isEqualTo("one two");
    assertThat(stream.usage().completionTokens()).isEqualTo(2);
  }

  @Test
  void anErrorEventHasTheResponsesShape() {
    MockStream stream = MockResponse.of(request(), BEHAVIOR).stream(true);

    JsonNode error = event(stream.errorEvent("broke"));

    assertThat(error.path("type").asText()).isEqualTo("error");
    assertThat(error.path("code").asText()).isEqualTo("upstream_error");
    assertThat(error.path("message").asText()).isEqualTo("broke");
    assertThat(error.has("param")).isTrue();
    assertThat(error.path("sequence_number").asLong()).isZero();
  }

  @Test
  void anAnswerIgnoringTheLimitRunsPastIt() {
    MockBehavior ignoring = new MockBehavior(TEXT, 0, 0, true, 0);

    MockResponse answer = MockResponse.of(request("max_output_tokens", 3L), ignoring);

    assertThat(answer.outputTokens()).isGreaterThanOrEqualTo(2 * 3 + 10);
    assertThat(answer.capped(4).outputTokens()).isEqualTo(4);
    assertThat(answer.capped(4).status()).isEqualTo("incomplete");
  }
}
