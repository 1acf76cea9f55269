package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.ResponsesRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link TokenCounter#promptTokensBound}, the cheap bound Pouch reserves from when the headroom is
 * large: never below the exact count of {@link TokenCounter#promptTokens} (so never an
 * under-reservation), on random requests mixing scripts, emoji, CJK, lone surrogates, special-token
 * text, tools, images and multi-part content, for both OpenAI encodings and an unknown model; and
 * the same for Responses API requests (instructions, text or item input, function calls).
 */
class PromptBoundTest {
  private static final TokenCounter COUNTER = new TokenCounter();
  private static final PriceTable PRICES = PriceTable.bundled();

  private static final int[][] RANGES = {
    {0x20, 0x7e}, // ASCII
    {0x30, 0x39}, // digits (o200k groups up to three)
    {0xa0, 0xff}, // Latin-1
    {0x400, 0x4ff}, // Cyrillic
    {0x600, 0x6ff}, // Arabic
    {0x900, 0x97f}, // Devanagari
    {0x3040, 0x30ff}, // kana
    {0x4e00, 0x9fff}, // CJK
    {0xac00, 0xd7a3}, // Hangul
    {0x1f300, 0x1f64f}, // emoji
    {0x1f900, 0x1f9ff}, // more emoji
    {0xd800, 0xdfff}, // lone surrogates (valid in JSON, not in UTF-8)
  };

  private static final String[] FRAGMENTS = {
    "<|endoftext|>",
    "<|im_start|>",
    "\n\n",
    "    ",
    "👩‍👩‍👧‍👦",
    "🇫🇷",
    "e\u0301",
    "\t",
    "```java\n",
    "..."
  };

  @Test
  void theCheapBoundIsNeverBelowTheExactCount() {
    Random random = new Random(20261125L);
    List<PricedModel> models =
        List.of(PRICES.find("gpt-4o").orElseThrow(), PRICES.find("gpt-4").orElseThrow());
    for (int sample = 0; sample < 400; sample++) {
      ChatRequest request = randomRequest(random);
      for (PricedModel model : models) {
        long exact = COUNTER.promptTokens(request, model);
        long bound = COUNTER.promptTokensBound(request, model);
        assertThat(bound)
            .as("sample %d on %s: %s", sample, model.id(), request.body())
            .isGreaterThanOrEqualTo(exact);
      }
      assertThat(COUNTER.promptTokensBound(request, null))
          .as("unknown model: bytes either way")
          .isEqualTo(COUNTER.promptTokens(request, null));
    }
  }

  @Test
  void theCheapBoundOfAResponsesRequestIsNeverBelowItsExactCount() {
    Random random = new Random(20261206L);
    List<PricedModel> models =
        List.of(PRICES.find("o3-pro").orElseThrow(), PRICES.find("gpt-4").orElseThrow());
    for (int sample = 0; sample < 400; sample++) {
      ResponsesRequest request = randomResponsesRequest(random);
      for (PricedModel model : models) {
        long exact = COUNTER.promptTokens(request, model);
        assertThat(COUNTER.promptTokensBound(request, model))
            .as("sample %d on %s: %s", sample, model.id(), request.body())
            .isGreaterThanOrEqualTo(exact);
        assertThat(exact).isGreaterThanOrEqualTo(COUNTER.promptTokensAtLeast(request));
      }
    }
  }

  private static ResponsesRequest randomResponsesRequest(Random random) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "o3-pro");
    if (random.nextBoolean()) {
      body.put("instructions", randomText(random, 200));
    }
    if (random.nextInt(3) == 0) {
      body.put("input", randomText(random, 400));
    } else {
      List<Object> items = new ArrayList<>();
      for (Object message : randomRequest(random).messages()) {
        items.add(message); // chat-shaped messages are valid Responses input items
      }
      if (random.nextBoolean()) {
        items.add(
            Map.of(
                "type",
                "message",
                "role",
                "user",
                "content",
                List.of(
                    Map.of("type", "input_text", "text", randomText(random, 200)),
                    Map.of("type", "input_image", "image_url", "https://x/y.png"))));
      }
      if (random.nextBoolean()) {
        items.add(
            Map.of(
                "type",
                "function_call",
                "call_id",
                "c1",
                "name",
                "f",
                "arguments",
                randomText(random, 80)));
        items.add(
            Map.of(
                "type",
                "function_call_output",
                "call_id",
                "c1",
                "output",
                randomText(random, 200)));
      }
      body.put("input", items);
    }
    if (random.nextInt(4) == 0) {
      body.put(
          "tools",
          List.of(Map.of("type", "function", "name", "f", "description", randomText(random, 80))));
    }
    return ResponsesRequest.of(body);
  }

  @Test
  void theBoundOfPlainEnglishIsAFewTimesTheCountNotMore() {
    String text = "The quick brown fox jumps over the lazy dog. ".repeat(40);
    ChatRequest request =
        ChatRequest.of(
            Map.of(
                "model", "gpt-4o", "messages", List.of(Map.of("role", "user", "content", text))));
    PricedModel gpt4o = PRICES.find("gpt-4o").orElseThrow();

    long exact = COUNTER.promptTokens(request, gpt4o);
    long bound = COUNTER.promptTokensBound(request, gpt4o);

    assertThat(bound).isGreaterThan(exact).isLessThan(6 * exact);
  }

  private static ChatRequest randomRequest(Random random) {
    List<Object> messages = new ArrayList<>();
    int count = 1 + random.nextInt(4);
    for (int i = 0; i < count; i++) {
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("role", random.nextBoolean() ? "user" : "assistant");
      if (random.nextInt(4) == 0) {
        message.put("name", randomText(random, 8));
      }
      if (random.nextInt(3) == 0) {
        List<Object> parts = new ArrayList<>();
        for (int p = 0; p < 1 + random.nextInt(3); p++) {
          if (random.nextInt(4) == 0) {
            parts.add(Map.of("type", "image_url", "image_url", Map.of("url", "https://x/y.png")));
          } else {
            parts.add(Map.of("type", "text", "text", randomText(random, 200)));
          }
        }
        message.put("content", parts);
      } else {
        message.put("content", randomText(random, 400));
      }
      messages.add(message);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o");
    body.put("messages", messages);
    if (random.nextInt(4) == 0) {
      body.put(
          "tools",
          List.of(
              Map.of(
                  "type",
                  "function",
                  "function",
                  Map.of("name", "f", "description", randomText(random, 80)))));
    }
    return ChatRequest.of(body);
  }

  private static String randomText(Random random, int maxLength) {
    StringBuilder text = new StringBuilder();
    int length = random.nextInt(maxLength + 1);
    for (int i = 0; i < length; i++) {
      if (random.nextInt(30) == 0) {
        text.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
        continue;
      }
      int[] range = RANGES[random.nextInt(RANGES.length)];
      text.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
      if (random.nextInt(5) == 0) {
        text.append(' ');
      }
    }
    return text.toString();
  }
}
