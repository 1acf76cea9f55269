package dev.pouch.adapters.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.MessagesRequest;
import dev.pouch.domain.provider.UnpricedField;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Chat-completions requests translated to Messages requests, and what cannot be translated. */
class ChatToMessagesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ChatToMessages translation = new ChatToMessages(JSON);

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String json) throws Exception {
    return JSON.readValue(json, Map.class);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> translated(String chat) throws Exception {
    MessagesRequest request = translation.translate(ChatRequest.of(parse(chat)), 4096);
    return JSON.readValue(JSON.writeValueAsString(request.body()), Map.class);
  }

  private RequestRejectedException refused(String chat) throws Exception {
    ChatRequest request = ChatRequest.of(parse(chat));
    return catchThrowableOfType(
        RequestRejectedException.class, () -> translation.translate(request, 4096));
  }

  @Test
  void aWholeConversationBecomesSystemTurnsToolsAndLimits() throws Exception {
    Map<String, Object> body =
        translated(
            """
            {"model":"claude-haiku-4-5","max_completion_tokens":300,"temperature":0.5,
             "top_p":0.9,"stop":"END","stream":true,"stream_options":{"include_usage":true},
             "user":"u-1","parallel_tool_calls":false,
             "tool_choice":{"type":"function","function":{"name":"get_weather"}},
             "tools":[{"type":"function","function":{"name":"get_weather",
               "description":"The weather","parameters":{"type":"object",
               "properties":{"location":{"type":"string"}}}}}],
             "messages":[
              {"role":"system","content":"Be brief."},
              {"role":"developer","content":[{"type":"text","text":"Use tools."}]},
              {"role":"user","content":[{"type":"text","text":"Weather?"},
                {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function",
                "function":{"name":"get_weather","arguments":"{\\"location\\":\\"Paris\\"}"}}]},
              {"role":"tool","tool_call_id":"toolu_1","content":"18 degrees"},
              {"role":"user","content":"Thanks"}]}
            """);

    assertThat(body)
        .containsEntry("model", "claude-haiku-4-5")
        .containsEntry("max_tokens", 300)
        .containsEntry("temperature", 0.5)
        .containsEntry("top_p", 0.9)
        .containsEntry("stream", true)
        .containsEntry("stop_sequences", List.of("END"))
        .containsEntry("metadata", Map.of("user_id", "u-1"))
        .containsEntry(
            "tool_choice",
            Map.of("type", "tool", "name", "get_weather", "disable_parallel_tool_use", true))
        .doesNotContainKeys("stream_options", "max_completion_tokens", "user");
    assertThat(body.get("system"))
        .isEqualTo(
            List.of(
                Map.of("type", "text", "text", "Be brief."),
                Map.of("type", "text", "text", "Use tools.")));
    assertThat(body.get("tools"))
        .isEqualTo(
            List.of(
                Map.of(
                    "name",
                    "get_weather",
                    "description",
                    "The weather",
                    "input_schema",
                    Map.of(
                        "type",
                        "object",
                        "properties",
                        Map.of("location", Map.of("type", "string"))))));
    List<?> messages = (List<?>) body.get("messages");
    assertThat(messages).hasSize(3); // the tool result and the next user message share a turn
    assertThat(messages.get(0))
        .isEqualTo(
            Map.of(
                "role",
                "user",
                "content",
                List.of(
                    Map.of("type", "text", "text", "Weather?"),
                    Map.of(
                        "type",
                        "image",
                        "source",
                        Map.of("type", "base64", "media_type", "image/png", "data", "iVBOR")))));
    assertThat(messages.get(1))
        .isEqualTo(
            Map.of(
                "role",
                "assistant",
                "content",
                List.of(
                    Map.of(
                        "type",
                        "tool_use",
                        "id",
                        "toolu_1",
                        "name",
                        "get_weather",
                        "input",
                        Map.of("location", "Paris")))));
    assertThat(messages.get(2))
        .isEqualTo(
            Map.of(
                "role",
                "user",
                "content",
                List.of(
                    Map.of(
                        "type",
                        "tool_result",
                        "tool_use_id",
                        "toolu_1",
                        "content",
                        List.of(Map.of("type", "text", "text", "18 degrees"))),
                    Map.of("type", "text", "text", "Thanks"))));
  }

  @Test
  void toolChoicesMapToAnthropicsAndTheLimitIsTheSmallerOfBoth() throws Exception {
    String base =
        "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":50,\"max_completion_tokens\":70,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"tool_choice\":";
    assertThat(translated(base + "\"auto\"}").get("tool_choice")).isEqualTo(Map.of("type", "auto"));
    assertThat(translated(base + "\"none\"}").get("tool_choice")).isEqualTo(Map.of("type", "none"));
    assertThat(translated(base + "\"required\"}").get("tool_choice"))
        .isEqualTo(Map.of("type", "any"));
    assertThat(translated(base + "\"auto\"}")).containsEntry("max_tokens", 50);
    // no limit from the client: the upstream requires one, so Pouch's planned cap is written
    assertThat(
            translated(
                "{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"Hi\"}]}"))
        .containsEntry("max_tokens", 4096);
  }

  @Test
  void whatCannotBeTranslatedIsRefusedNamingTheField() throws Exception {
    String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
    String model = "{\"model\":\"claude-haiku-4-5\",";
    Map<String, String> refusals = new LinkedHashMap<>();
    refusals.put(model + messages + ",\"n\":2}", "n");
    refusals.put(model + messages + ",\"logprobs\":true}", "logprobs");
    refusals.put(
        model + messages + ",\"response_format\":{\"type\":\"json_object\"}}", "response_format");
    refusals.put(model + messages + ",\"temperature\":1.5}", "temperature");
    refusals.put(model + messages + ",\"tool_choice\":\"sometimes\"}", "tool_choice");
    refusals.put(
        model + messages + ",\"stream_options\":{\"include_obfuscation\":true}}",
        "stream_options.include_obfuscation");
    refusals.put(
        model + messages + ",\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"x\"}}]}",
        "tools[0]");
    refusals.put(
        model
            + messages
            + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"x\",\"strict\":true}}]}",
        "tools[0].function.strict");
    refusals.put(
        model + "\"messages\":[{\"role\":\"function\",\"name\":\"f\",\"content\":\"x\"}]}",
        "messages[0].role");
    refusals.put(
        model
            + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\","
            + "\"input_audio\":{\"data\":\"AAA\",\"format\":\"wav\"}}]}]}",
        "messages[0].content[0]");
    refusals.put(
        model
            + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
            + "\"image_url\":{\"url\":\"ftp://example.com/cat.png\"}}]}]}",
        "messages[0].content[0]");
    refusals.put(
        model
            + "\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":"
            + "\"t\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"[1]\"}}]}]}",
        "messages[0].tool_calls[0].function.arguments");
    refusals.put(
        model + "\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}",
        "messages[0].tool_call_id");
    refusals.put(
        model + "\"messages\":[{\"role\":\"system\",\"content\":\"only a system prompt\"}]}",
        "messages");
    for (Map.Entry<String, String> refusal : refusals.entrySet()) {
      RequestRejectedException refused = refused(refusal.getKey());
      assertThat(refused).as(refusal.getKey()).isNotNull();
      assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
      assertThat(refused.param()).as(refusal.getKey()).isEqualTo(refusal.getValue());
      assertThat(refused.getMessage()).contains("cannot be translated");
    }
  }

  @Test
  void anImageByUrlIsTranslatedButUnpricedOnABudget() throws Exception {
    String chat =
        "{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"user\",\"content\":"
            + "[{\"type\":\"text\",\"text\":\"What is it?\"},{\"type\":\"image_url\","
            + "\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}";

    List<?> content =
        (List<?>) ((Map<?, ?>) ((List<?>) translated(chat).get("messages")).get(0)).get("content");
    assertThat(content.get(1))
        .isEqualTo(
            Map.of(
                "type",
                "image",
                "source",
                Map.of("type", "url", "url", "https://example.com/cat.png")));
    Optional<UnpricedField> unpriced = ChatToMessages.unpriced(ChatRequest.of(parse(chat)));
    assertThat(unpriced).map(UnpricedField::field).contains("messages[0].content[1]");
  }
}
