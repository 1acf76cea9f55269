package dev.pouch.adapters.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Messages answers worded as chat completions. */
class ChatAnswersTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aMessageWithTextAndAToolCallBecomesAChatCompletion() throws Exception {
    JsonNode message =
        JSON.readTree(
            """
            {"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5",
             "content":[{"type":"thinking","thinking":"hm","signature":"s"},
               {"type":"text","text":"I will call "},{"type":"text","text":"the tool."},
               {"type":"tool_use","id":"toolu_9","name":"get_weather","input":{"location":"Paris"}}],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":10,"cache_read_input_tokens":4,
               "cache_creation_input_tokens":3,"output_tokens":7}}
            """);

    JsonNode completion = ChatAnswers.completion(JSON, message, 1_700_000_000L);

    assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
    assertThat(completion.path("id").asText()).isEqualTo("msg_1");
    assertThat(completion.path("created").asLong()).isEqualTo(1_700_000_000L);
    JsonNode choice = completion.path("choices").get(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(choice.path("message").path("content").asText()).isEqualTo("I will call the tool.");
    JsonNode call = choice.path("message").path("tool_calls").get(0);
    assertThat(call.path("id").asText()).isEqualTo("toolu_9");
    assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
    assertThat(JSON.readTree(call.path("function").path("arguments").asText()))
        .isEqualTo(JSON.readTree("{\"location\":\"Paris\"}"));
    JsonNode usage = completion.path("usage");
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(17);
    assertThat(usage.path("completion_tokens").asLong()).isEqualTo(7);
    assertThat(usage.path("total_tokens").asLong()).isEqualTo(24);
    assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(4);
  }

  @Test
  void stopReasonsBecomeFinishReasons() {
    assertThat(ChatAnswers.finishReason("end_turn")).isEqualTo("stop");
    assertThat(ChatAnswers.finishReason("stop_sequence")).isEqualTo("stop");
    assertThat(ChatAnswers.finishReason("max_tokens")).isEqualTo("length");
    assertThat(ChatAnswers.finishReason("tool_use")).isEqualTo("tool_calls");
    assertThat(ChatAnswers.finishReason("refusal")).isEqualTo("content_filter");
    assertThat(ChatAnswers.finishReason(null)).isNull();
  }

  @Test
  void aToolOnlyAnswerHasNullContent() throws Exception {
    JsonNode message =
        JSON.readTree(
            "{\"id\":\"m\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\","
                + "\"input\":{}}],\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":1,"
                + "\"output_tokens\":1}}");
    JsonNode reply =
        ChatAnswers.completion(JSON, message, 0).path("choices").get(0).path("message");
    assertThat(reply.path("content").isNull()).isTrue();
    assertThat(reply.path("tool_calls").get(0).path("function").path("arguments").asText())
        .isEqualTo("{}");
  }
}
