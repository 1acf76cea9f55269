package dev.pouch.domain.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessagesRequestTest {

  private static Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "claude-haiku-4-5");
    body.put("max_tokens", 100);
    body.put("messages", List.of(Map.of("role", "user", "content", "Hi")));
    return body;
  }

  private static Map<String, Object> body(String field, Object value) {
    Map<String, Object> body = body();
    if (value == null) {
      body.remove(field);
    } else {
      body.put(field, value);
    }
    return body;
  }

  private static RequestRejectedException refusal(Map<String, Object> body) {
    return catchThrowableOfType(
        RequestRejectedException.class, () -> MessagesRequest.of(body, Map.of()));
  }

  @Test
  void aMinimalBodyIsOneAnswerCappedAtItsMaxTokens() {
    MessagesRequest request = MessagesRequest.of(body());

    assertThat(request.api()).isEqualTo(Operation.MESSAGES);
    assertThat(request.choices()).isEqualTo(1);
    assertThat(request.maxOutputTokens()).isEqualTo(100L);
    assertThat(request.hasOutputLimit()).isTrue();
    assertThat(request.stream()).isFalse();
    assertThat(request.mayWritePromptCache()).isFalse();
    assertThat(Operations.parse(Operation.MESSAGES, body())).isEqualTo(request);
  }

  @Test
  void aMissingOrNonPositiveMaxTokensIsRefusedNamingIt() {
    for (Object value : new Object[] {null, 0, -5, "100", 1.5}) {
      RequestRejectedException refused = refusal(body("max_tokens", value));
      assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
      assertThat(refused.refusal().param()).isEqualTo("max_tokens");
    }
  }

  @Test
  void messagesMustBeANonEmptyArrayOfObjectsWithContent() {
    assertThat(refusal(body("messages", List.of())).refusal().param()).isEqualTo("messages");
    assertThat(refusal(body("messages", List.of("hi"))).refusal().param()).isEqualTo("messages[0]");
    assertThat(refusal(body("messages", List.of(Map.of("role", "user")))).refusal().param())
        .isEqualTo("messages[0].content");
    assertThat(refusal(body("system", 5)).refusal().param()).isEqualTo("system");
    assertThat(refusal(body("model", "")).refusal().param()).isEqualTo("model");
  }

  @Test
  void aThinkingBudgetMustStayBelowMaxTokensUnlessInterleaved() {
    Map<String, Object> thinking = Map.of("type", "enabled", "budget_tokens", 2000);
    Map<String, Object> body = body("thinking", thinking);
    body.put("max_tokens", 2000);

    assertThat(refusal(body).refusal().param()).isEqualTo("thinking.budget_tokens");
    MessagesRequest interleaved =
        MessagesRequest.of(body, Map.of("anthropic-beta", "foo, interleaved-thinking-2025-05-14"));
    assertThat(interleaved.betas()).containsExactly("foo", "interleaved-thinking-2025-05-14");
  }

  @Test
  void loweringMaxTokensBelowTheThinkingBudgetLowersTheBudgetWhenItStaysValid() {
    Map<String, Object> body = body("thinking", Map.of("type", "enabled", "budget_tokens", 3000));
    body.put("max_tokens", 8000);
    MessagesRequest request = MessagesRequest.of(body);

    MessagesRequest lowered = request.withMaxOutputTokens(2000);
    assertThat(lowered.body().get("max_tokens")).isEqualTo(2000L);
    assertThat(((Map<?, ?>) lowered.body().get("thinking")).get("budget_tokens")).isEqualTo(1999L);
    assertThat(((Map<?, ?>) lowered.body().get("thinking")).get("type")).isEqualTo("enabled");

    // below a valid budget, the request keeps its budget: the upstream refuses it (refunded)
    MessagesRequest tooLow = request.withMaxOutputTokens(500);
    assertThat(((Map<?, ?>) tooLow.body().get("thinking")).get("budget_tokens")).isEqualTo(3000);
    // a raise leaves the budget alone
    assertThat(
            ((Map<?, ?>) request.withMaxOutputTokens(9000).body().get("thinking"))
                .get("budget_tokens"))
        .isEqualTo(3000);
  }

  @Test
  void onlyTheApiHeadersAreKeptAndTheySurviveEdits() {
    MessagesRequest request =
        MessagesRequest.of(
            body(),
            Map.of(
                "anthropic-version", "2023-06-01",
                "anthropic-beta", "prompt-caching-2024-07-31",
                "x-api-key", "pa-secret"));

    assertThat(request.headers())
        .containsOnlyKeys("anthropic-version", "anthropic-beta")
        .containsEntry("anthropic-version", "2023-06-01");
    assertThat(request.withModel("other").withMaxOutputTokens(10).headers())
        .isEqualTo(request.headers());
  }

  @Test
  void aCacheControlAnywhereMeansThePromptCacheMayBeWritten() {
    Map<String, Object> block =
        Map.of("type", "text", "text", "Hi", "cache_control", Map.of("type", "ephemeral"));
    Map<String, Object> body =
        body("messages", List.of(Map.of("role", "user", "content", List.of(block))));

    assertThat(MessagesRequest.of(body).mayWritePromptCache()).isTrue();
  }
}
