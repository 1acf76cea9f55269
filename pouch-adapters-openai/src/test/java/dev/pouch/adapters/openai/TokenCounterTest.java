package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.pouch.domain.provider.ChatRequest;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Token counts checked against OpenAI's published numbers.
 *
 * <p>Source of the example messages, per-string counts and the API's {@code prompt_tokens}: the
 * OpenAI cookbook notebook "How to count tokens with tiktoken",
 * https://github.com/openai/openai-cookbook/blob/main/examples/How_to_count_tokens_with_tiktoken.ipynb
 * (read at commit c81359cdc6744f001e40c08a192604c5113fdab3). Its chat example has six messages and
 * the API counted 129 prompt tokens on gpt-3.5-turbo, gpt-4-0613 and gpt-4 (cl100k_base) and 124 on
 * gpt-4o and gpt-4o-mini (o200k_base); its tools example counted 105 and 101.
 */
class TokenCounterTest {
  private static final TokenCounter COUNTER = new TokenCounter();
  private static final PriceTable PRICES = PriceTable.bundled();

  /** The cookbook's "corporate jargon" messages, verbatim. */
  private static final List<Map<String, Object>> COOKBOOK_MESSAGES =
      List.of(
          message(
              "system",
              null,
              "You are a helpful, pattern-following assistant that translates corporate jargon"
                  + " into plain English."),
          message("system", "example_user", "New synergies will help drive top-line growth."),
          message(
              "system", "example_assistant", "Things working well together will increase revenue."),
          message(
              "system",
              "example_user",
              "Let's circle back when we have more bandwidth to touch base on opportunities for"
                  + " increased leverage."),
          message(
              "system",
              "example_assistant",
              "Let's talk later when we're less busy about how to do better."),
          message(
              "user",
              null,
              "This late pivot means we don't have time to boil the ocean for the client"
                  + " deliverable."));

  /** The cookbook's weather tool, verbatim. */
  private static final Map<String, Object> WEATHER_TOOL =
      Map.of(
          "type",
          "function",
          "function",
          Map.of(
              "name",
              "get_current_weather",
              "description",
              "Get the current weather in a given location",
              "parameters",
              Map.of(
                  "type",
                  "object",
                  "properties",
                  Map.of(
                      "location",
                      Map.of(
                          "type",
                          "string",
                          "description",
                          "The city and state, e.g. San Francisco, CA"),
                      "unit",
                      Map.of(
                          "type",
                          "string",
                          "description",
                          "The unit of temperature to return",
                          "enum",
                          List.of("celsius", "fahrenheit"))),
                  "required",
                  List.of("location"))));

  private static final List<Map<String, Object>> WEATHER_MESSAGES =
      List.of(
          message(
              "system",
              null,
              "You are a helpful assistant that can answer to questions about the weather."),
          message("user", null, "What's the weather like in San Francisco?"));

  @ParameterizedTest(name = "{0}: {1} prompt tokens")
  @CsvSource({"gpt-3.5-turbo, 129", "gpt-4, 129", "gpt-4o, 124", "gpt-4o-mini, 124"})
  void cookbookExampleMessagesCountExactlyWhatTheApiBilled(String model, long published) {
    long counted = COUNTER.promptTokens(request(model, COOKBOOK_MESSAGES), priced(model));

    assertThat(counted).isEqualTo(published);
  }

  @ParameterizedTest(name = "{0}: at least {1} prompt tokens")
  @CsvSource({"gpt-3.5-turbo, 105", "gpt-4, 105", "gpt-4o, 101", "gpt-4o-mini, 101"})
  void cookbookToolExampleIsCountedAtLeastAsHighAsTheApiBilled(String model, long published) {
    // OpenAI renders tools in an undocumented internal format; Pouch counts their JSON text, which
    // has more tokens than that format, plus a margin per tool. So the count is an upper bound.
    ChatRequest withTools = request(model, WEATHER_MESSAGES).with("tools", List.of(WEATHER_TOOL));

    long counted = COUNTER.promptTokens(withTools, priced(model));

    assertThat(counted).isGreaterThanOrEqualTo(published).isLessThan(published * 2);
  }

  @ParameterizedTest(name = "\"{0}\": {1} in cl100k_base, {2} in o200k_base")
  @CsvSource(
      delimiter = '|',
      value = {
        "tiktoken is great!|6|6",
        "antidisestablishmentarianism|6|6",
        "2 + 2 = 4|7|7",
        "お誕生日おめでとう|9|8",
        "hello world|2|2"
      })
  void knownStringsHaveTheirPublishedTokenCounts(String text, long cl100k, long o200k) {
    assertThat(COUNTER.count(text, TokenEncoding.CL100K_BASE)).isEqualTo(cl100k);
    assertThat(COUNTER.count(text, TokenEncoding.O200K_BASE)).isEqualTo(o200k);
    assertThat(COUNTER.count(text, TokenEncoding.BYTES))
        .isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void specialTokenTextIsCountedAsOrdinaryTextInsteadOfThrowing() {
    assertThat(COUNTER.count("<|endoftext|>", TokenEncoding.O200K_BASE)).isGreaterThan(1);
    assertThat(COUNTER.count("", TokenEncoding.O200K_BASE)).isZero();
    assertThat(COUNTER.count(null, TokenEncoding.BYTES)).isZero();
  }

  @Test
  void bytesAreNeverFewerThanEitherOpenAiEncodingOnRandomMultilingualText() {
    Random random = new Random(20261125L);
    // Code point ranges: ASCII, Latin-1, Cyrillic, Arabic, Devanagari, CJK, Hangul, emoji, and
    // (rarely) a lone surrogate, which clients can send inside JSON.
    int[][] ranges = {
      {0x20, 0x7e},
      {0xa0, 0xff},
      {0x400, 0x4ff},
      {0x600, 0x6ff},
      {0x900, 0x97f},
      {0x4e00, 0x9fff},
      {0xac00, 0xd7a3},
      {0x1f300, 0x1f64f},
      {0xd800, 0xdbff}
    };
    for (int sample = 0; sample < 500; sample++) {
      StringBuilder text = new StringBuilder();
      int length = 1 + random.nextInt(300);
      for (int i = 0; i < length; i++) {
        int[] range = ranges[random.nextInt(ranges.length)];
        text.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
        if (random.nextInt(5) == 0) {
          text.append(' ');
        }
      }
      String string = text.toString();
      long bytes = COUNTER.count(string, TokenEncoding.BYTES);

      assertThat(bytes)
          .as("sample %d: %s", sample, string)
          .isGreaterThanOrEqualTo(COUNTER.count(string, TokenEncoding.O200K_BASE))
          .isGreaterThanOrEqualTo(COUNTER.count(string, TokenEncoding.CL100K_BASE));
    }
  }

  @Test
  void utf8ByteCountMatchesJavasEncoderForWellFormedText() {
    String text = "aé中😀 \u0000";

    assertThat(TokenCounter.utf8Bytes(text))
        .isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void toolsToolChoiceAndResponseFormatAddTokens() {
    PricedModel gpt4o = priced("gpt-4o");
    ChatRequest plain = request("gpt-4o", WEATHER_MESSAGES);
    long base = COUNTER.promptTokens(plain, gpt4o);

    ChatRequest withTool = plain.with("tools", List.of(WEATHER_TOOL));
    ChatRequest withTwoTools = plain.with("tools", List.of(WEATHER_TOOL, WEATHER_TOOL));
    ChatRequest withChoice = withTool.with("tool_choice", "required");
    ChatRequest withFormat =
        plain.with(
            "response_format",
            Map.of(
                "type",
                "json_schema",
                "json_schema",
                Map.of("name", "answer", "schema", Map.of("type", "object"))));

    long oneTool = COUNTER.promptTokens(withTool, gpt4o);
    long twoTools = COUNTER.promptTokens(withTwoTools, gpt4o);
    assertThat(oneTool).isGreaterThan(base + TokenCounter.TOKENS_PER_TOOL);
    assertThat(twoTools - oneTool).isGreaterThan(TokenCounter.TOKENS_PER_TOOL);
    assertThat(COUNTER.promptTokens(withChoice, gpt4o)).isGreaterThan(oneTool);
    assertThat(COUNTER.promptTokens(withFormat, gpt4o)).isGreaterThan(base);
  }

  @Test
  void assistantToolCallsAreCountedFromTheirJson() {
    PricedModel gpt4o = priced("gpt-4o");
    Map<String, Object> call =
        Map.of(
            "role",
            "assistant",
            "tool_calls",
            List.of(
                Map.of(
                    "id",
                    "call_1",
                    "type",
                    "function",
                    "function",
                    Map.of(
                        "name", "get_current_weather", "arguments", "{\"location\":\"Paris\"}"))));
    Map<String, Object> reply =
        Map.of("role", "tool", "tool_call_id", "call_1", "content", "18 degrees and sunny");
    List<Map<String, Object>> messages = new ArrayList<>(WEATHER_MESSAGES);
    long before = COUNTER.promptTokens(request("gpt-4o", messages), gpt4o);
    messages.add(call);
    messages.add(reply);

    long after = COUNTER.promptTokens(request("gpt-4o", messages), gpt4o);

    assertThat(after - before).isGreaterThan(2 * TokenCounter.TOKENS_PER_MESSAGE + 20);
  }

  @Test
  void eachImageCountsTheModelsLargestImageCost() {
    List<Object> parts =
        List.of(
            Map.of("type", "text", "text", "What is in these pictures?"),
            image("https://example.com/a.png"),
            image("data:image/png;base64,iVBORw0KGgo="));
    ChatRequest request = request("gpt-4o", List.of(Map.of("role", "user", "content", parts)));
    ChatRequest textOnly =
        request("gpt-4o", List.of(Map.of("role", "user", "content", parts.subList(0, 1))));

    for (String model : List.of("gpt-4o", "gpt-4o-mini", "gpt-4.1-mini", "gpt-5")) {
      PricedModel priced = priced(model);
      long images = COUNTER.promptTokens(request, priced) - COUNTER.promptTokens(textOnly, priced);

      assertThat(images)
          .as(model)
          .isEqualTo(2 * (priced.maxImageTokens() + 1)); // + 1 allowance per content part
    }
    assertThat(priced("gpt-4o").maxImageTokens()).isEqualTo(1_445);
    assertThat(priced("gpt-4o-mini").maxImageTokens()).isEqualTo(48_169);
  }

  @Test
  void anUnknownModelCountsBytesAndTheLargestImageCost() {
    ChatRequest request =
        request(
            "llama-3.1-8b",
            List.of(
                Map.of(
                    "role",
                    "user",
                    "content",
                    List.of(Map.of("type", "text", "text", "hello"), image("https://x/y.png")))));

    long counted = COUNTER.promptTokens(request, null);

    long expected =
        3 // message framing (cookbook)
            + "user".length() // bytes, the encoding being unknown
            + 2 * 1 // allowance per content part
            + "hello".length()
            + 48_169 // the largest image cost known: gpt-4o-mini, 2,833 + 5,667 × 8 tiles
            + 3 // reply priming (cookbook)
            + 128; // allowance for a server's own chat template
    assertThat(counted).isEqualTo(expected);
  }

  @Test
  void filePartsAndAudioReferencesCountTheWholeContextWindow() {
    // A PDF is billed per page as text and image, and a file_id hides its size: no smaller bound.
    PricedModel gpt4o = priced("gpt-4o");
    ChatRequest file =
        request(
            "gpt-4o",
            List.of(
                Map.of(
                    "role",
                    "user",
                    "content",
                    List.of(Map.of("type", "file", "file", Map.of("file_id", "file-abc"))))));
    ChatRequest audio =
        request("gpt-4o", List.of(Map.of("role", "assistant", "audio", Map.of("id", "audio_abc"))));

    assertThat(COUNTER.promptTokens(file, gpt4o)).isGreaterThan(gpt4o.contextWindow());
    assertThat(COUNTER.promptTokens(audio, gpt4o)).isGreaterThan(gpt4o.contextWindow());
  }

  @Test
  void audioAndUnknownPartsCountTheBytesOfTheirJson() {
    Map<String, Object> audio =
        Map.of("type", "input_audio", "input_audio", Map.of("data", "UklGRg==", "format", "wav"));
    ChatRequest request =
        request("gpt-4o", List.of(Map.of("role", "user", "content", List.of(audio))));
    long jsonBytes =
        "{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"UklGRg==\",\"format\":\"wav\"}}"
            .length();

    long counted = COUNTER.promptTokens(request, priced("gpt-4o"));

    // message framing 3 + "user" (one o200k token) + 1 per content part + reply priming 3
    long framing = 3 + 1 + 1 + 3;
    assertThat(counted).isEqualTo(framing + jsonBytes);
  }

  @Test
  void malformedMessagesAreCountedInsteadOfThrowing() {
    Map<String, Object> odd = new LinkedHashMap<>();
    odd.put("role", 42);
    odd.put("content", Map.of("nested", List.of(1, 2.5, true)));
    odd.put("name", List.of("x"));
    odd.put("weird", null);
    Map<String, Object> badParts = new LinkedHashMap<>();
    badParts.put("role", "user");
    List<Object> parts = new ArrayList<>();
    parts.add("bare string");
    parts.add(null);
    parts.add(Map.of("type", "text", "text", 7));
    parts.add(Map.of("type", 3));
    parts.add(new BigDecimal("1e400"));
    badParts.put("content", parts);
    Map<String, Object> badTools = new LinkedHashMap<>();
    badTools.put("role", "assistant");
    badTools.put("tool_calls", "not a list");
    badTools.put("content", "\ud800 lone surrogate");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o");
    body.put("messages", List.of(odd, badParts, badTools));
    body.put("tools", Map.of("not", "a list"));
    body.put("tool_choice", 12);
    ChatRequest request = ChatRequest.of(body);

    for (PricedModel model : new PricedModel[] {priced("gpt-4o"), priced("gpt-4"), null}) {
      assertThatCode(() -> COUNTER.promptTokens(request, model)).doesNotThrowAnyException();
      assertThat(COUNTER.promptTokens(request, model)).isGreaterThan(40);
    }
  }

  private static Map<String, Object> message(String role, String name, String content) {
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("role", role);
    if (name != null) {
      message.put("name", name);
    }
    message.put("content", content);
    return message;
  }

  private static Map<String, Object> image(String url) {
    return Map.of("type", "image_url", "image_url", Map.of("url", url, "detail", "high"));
  }

  private static ChatRequest request(String model, List<? extends Map<String, Object>> messages) {
    return ChatRequest.of(Map.of("model", model, "messages", List.copyOf(messages)));
  }

  private static PricedModel priced(String model) {
    return PRICES.find(model).orElseThrow();
  }
}
