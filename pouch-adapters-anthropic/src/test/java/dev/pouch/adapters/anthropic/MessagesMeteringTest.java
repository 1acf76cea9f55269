package dev.pouch.adapters.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.provider.MessagesRequest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The meter's strict usage, the lossless assembler, the prompt bound and the field rules. */
class MessagesMeteringTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode node(String json) throws Exception {
    return JSON.readTree(json);
  }

  private static MessagesMeter meter(boolean cache, String... events) throws Exception {
    MessagesMeter meter = new MessagesMeter(cache);
    for (String event : events) {
      meter.accept(node(event));
    }
    return meter;
  }

  private static final String START =
      "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":10,"
          + "\"cache_creation_input_tokens\":30,\"cache_read_input_tokens\":20,"
          + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":10,"
          + "\"ephemeral_1h_input_tokens\":20},\"output_tokens\":1}}}";
  private static final String DELTA =
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
          + "\"text\":\"Hi\"}}";
  private static final String END =
      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
          + "\"usage\":{\"output_tokens\":7}}";

  @Test
  void usageCountsEveryPartOfThePromptSeparately() throws Exception {
    MessagesMeter meter = meter(true, START, DELTA, DELTA, END, "{\"type\":\"message_stop\"}");

    assertThat(meter.usage()).isEqualTo(new Usage(60, 20, 7, UsageSource.REPORTED, 10, 20));
    assertThat(meter.producedAtLeast()).isEqualTo(2);
    assertThat(meter.finished()).isTrue();
  }

  @Test
  void usageIsUnknownUntilTheFinalMessageDelta() throws Exception {
    MessagesMeter meter = meter(true, START, DELTA);

    assertThat(meter.usage()).isEqualTo(Usage.UNKNOWN);
    assertThat(meter.finished()).isFalse();
  }

  @Test
  void cacheWritesOnARequestWithoutCacheControlAreNotTrusted() throws Exception {
    assertThat(meter(false, START, END).usage().promptTokens()).isEqualTo(MessagesMeter.MALFORMED);
  }

  @Test
  void malformedCountsAndSplitsThatDoNotAddUpAreImplausible() throws Exception {
    String badSplit =
        START.replace("\"ephemeral_1h_input_tokens\":20", "\"ephemeral_1h_input_tokens\":2");
    assertThat(meter(true, badSplit, END).usage().promptTokens())
        .isEqualTo(MessagesMeter.MALFORMED);
    String negative = START.replace("\"input_tokens\":10", "\"input_tokens\":-1");
    assertThat(meter(true, negative, END).usage().promptTokens())
        .isEqualTo(MessagesMeter.MALFORMED);
    String fractional = END.replace("7", "7.5");
    assertThat(meter(true, START, fractional).usage().completionTokens())
        .isEqualTo(MessagesMeter.MALFORMED);
  }

  @Test
  void anErrorEventMeansTheStreamDidNotFinish() throws Exception {
    MessagesMeter meter =
        meter(
            true,
            START,
            "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}",
            "{\"type\":\"message_stop\"}");
    assertThat(meter.finished()).isFalse();
  }

  @Test
  void theAssemblerKeepsEveryBlockAndFieldItWasGiven() throws Exception {
    MessageAssembler assembler = new MessageAssembler(JSON, null);
    for (String event :
        List.of(
            "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"container\":null,"
                + "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}",
            "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\","
                + "\"thinking\":\"\",\"signature\":\"\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\","
                + "\"thinking\":\"Hm\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\","
                + "\"signature\":\"sig\"}}",
            "{\"type\":\"content_block_stop\",\"index\":0}",
            "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\","
                + "\"text\":\"\",\"citations\":null}}",
            "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\","
                + "\"text\":\"A\"}}",
            "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"citations_delta\","
                + "\"citation\":{\"cited_text\":\"x\"}}}",
            "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\","
                + "\"text\":\"B\"}}",
            "{\"type\":\"content_block_stop\",\"index\":1}",
            "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\","
                + "\"id\":\"toolu_1\",\"name\":\"f\",\"input\":{}}}",
            "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\","
                + "\"partial_json\":\"{\\\"a\\\": [1,\"}}",
            "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\","
                + "\"partial_json\":\" 2]}\"}}",
            "{\"type\":\"content_block_stop\",\"index\":2}",
            "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":9}}")) {
      assembler.apply(node(event));
    }

    JsonNode answer = JSON.readTree(assembler.answer(false));
    assertThat(answer)
        .isEqualTo(
            node(
                "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\","
                    + "\"content\":[{\"type\":\"thinking\",\"thinking\":\"Hm\",\"signature\":\"sig\"},"
                    + "{\"type\":\"text\",\"text\":\"AB\",\"citations\":[{\"cited_text\":\"x\"}]},"
                    + "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\",\"input\":{\"a\":[1,2]}}],"
                    + "\"container\":null,\"usage\":{\"input_tokens\":3,\"output_tokens\":9},"
                    + "\"stop_reason\":\"tool_use\",\"stop_sequence\":null}"));
  }

  @Test
  void aCutAnswerStopsAtMaxTokensAndDropsAToolCallCutMidInput() throws Exception {
    MessageAssembler assembler = new MessageAssembler(JSON, null);
    assembler.apply(node("{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"content\":[]}}"));
    assembler.apply(
        node(
            "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\","
                + "\"id\":\"t\",\"name\":\"f\",\"input\":{}}}"));
    assembler.apply(
        node(
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\","
                + "\"partial_json\":\"{\\\"a\\\":\"}}"));

    JsonNode answer = JSON.readTree(assembler.answer(true));
    assertThat(answer.path("stop_reason").asText()).isEqualTo("max_tokens");
    assertThat(answer.path("content")).isEmpty();
  }

  private static MessagesRequest request(Object content) {
    return MessagesRequest.of(
        Map.of(
            "model",
            "claude-haiku-4-5",
            "max_tokens",
            10,
            "messages",
            List.of(Map.of("role", "user", "content", content))));
  }

  @Test
  void thePromptBoundIsTheJsonBytesPlusOverheadsAndAFixedCostPerImage() {
    MessagesPromptBound bound = new MessagesPromptBound(JSON);
    String text = "ü".repeat(1000); // 2,000 bytes
    long plain = bound.of(request(text));
    assertThat(plain).isGreaterThan(2000 + MessagesPromptBound.BASE_TOKENS);

    String data = Base64.getEncoder().encodeToString(new byte[300_000]);
    Map<String, Object> image =
        Map.of(
            "type",
            "image",
            "source",
            Map.of("type", "base64", "media_type", "image/png", "data", data));
    long withImage = bound.of(request(List.of(image)));
    assertThat(withImage)
        .isGreaterThanOrEqualTo(MessagesPromptBound.IMAGE_TOKENS)
        .isLessThan(MessagesPromptBound.IMAGE_TOKENS + 1000); // its data is not counted as text
  }

  @Test
  void unpricedToolsImagesByUrlAndUnknownFieldsAreNamed() {
    Map<String, Object> urlImage =
        Map.of("type", "image", "source", Map.of("type", "url", "url", "https://x/y.png"));
    assertThat(MessagesFields.unpriced(request(List.of(urlImage))).map(f -> f.field()))
        .contains("messages[0].content[0]");

    Map<String, Object> body = new java.util.LinkedHashMap<>(request("hi").body());
    body.put("tools", List.of(Map.of("type", "web_search_20250305", "name", "web_search")));
    assertThat(MessagesFields.unpriced(MessagesRequest.of(body)).map(f -> f.field()))
        .contains("tools[0]");

    body.put("tools", List.of(Map.of("name", "f", "input_schema", Map.of())));
    assertThat(MessagesFields.unpriced(MessagesRequest.of(body))).isEqualTo(Optional.empty());
    body.put("mcp_servers", List.of());
    assertThat(MessagesFields.unpriced(MessagesRequest.of(body)).map(f -> f.field()))
        .contains("mcp_servers");
  }
}
