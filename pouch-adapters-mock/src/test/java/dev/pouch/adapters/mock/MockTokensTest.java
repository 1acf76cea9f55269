package dev.pouch.adapters.mock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.provider.ChatRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MockTokensTest {

  @Test
  void a_token_is_a_maximal_run_of_non_whitespace() {
    assertThat(MockTokens.count("")).isZero();
    assertThat(MockTokens.count("   \n\t ")).isZero();
    assertThat(MockTokens.count("Hello, world!")).isEqualTo(2);
    assertThat(MockTokens.count("  a\tb\n\nc  ")).isEqualTo(3);
    assertThat(MockTokens.words("  a\tb\n\nc  ")).containsExactly("a", "b", "c");
    assertThat(MockTokens.words("naïve 😀smile")).containsExactly("naïve", "😀smile");
  }

  @Test
  void prompt_tokens_count_every_string_of_every_message_plus_framing_and_tools() {
    ChatRequest request =
        ChatRequest.of(
            Map.of(
                "model",
                "mock-model",
                "messages",
                List.of(
                    Map.of("role", "system", "content", "You are terse."),
                    Map.of(
                        "role",
                        "user",
                        "name",
                        "ann",
                        "content",
                        List.of(
                            Map.of("type", "text", "text", "Hi there"),
                            Map.of("type", "image_url", "image_url", Map.of("url", "u v"))))),
                "tools",
                List.of(
                    Map.of(
                        "type",
                        "function",
                        "function",
                        Map.of("name", "get_weather", "description", "Weather of a city"))),
                "max_tokens",
                10));

    // 3 + (4 + system + 3 words) + (4 + user + ann + text + Hi there + image_url + u v) + tools
    long expected = 3 + (4 + 1 + 3) + (4 + 1 + 1 + 1 + 2 + 1 + 2) + (1 + 1 + 4);
    assertThat(MockTokens.promptTokens(request)).isEqualTo(expected);
  }
}
