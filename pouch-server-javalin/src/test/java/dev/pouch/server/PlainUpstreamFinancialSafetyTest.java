package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Plain requests fetched plain (issue 22, D39), over real HTTP with the official SDKs: nothing can
 * cut a plain answer, so what goes upstream carries an explicit output cap no larger than what was
 * reserved, and the ledger is the fake upstream's tally × the table's price to the micro-dollar.
 * The keys set {@code stream_plain_requests: false} because the fakes live at loopback URLs, where
 * the default (for an upstream not known to enforce {@code max_tokens}) is to stream; which
 * upstreams default to plain is {@code PlainRequestsByUpstreamTest}'s and {@code
 * PlainMessagesTest}'s.
 */
class PlainUpstreamFinancialSafetyTest extends FakeUpstreamServerTest {
  private static final long GPT_4O_MINI_MAX_OUTPUT = 16_384;
  // claude-haiku-4-5 in the bundled table: $5 per million output tokens
  private static final long CLAUDE_OUTPUT_PER_MTOK = 5_000_000;

  private OpenAIClient openAi(TestPouch.CreatedTestKey key) {
    return OpenAIOkHttpClient.builder()
        .apiKey(key.secret())
        .baseUrl(pouch.openAiBaseUrl())
        .maxRetries(0)
        .build();
  }

  private TestPouch.CreatedTestKey plainKey(long budgetMicros) {
    return upstreamKey(
        KeyBody.openAi("plain", "http://placeholder/v1")
            .budgetMicros(budgetMicros)
            .providerSetting("stream_plain_requests", false));
  }

  private JsonNode lastUpstreamBody() throws Exception {
    return pouch.json().readTree(upstream.lastRequestBody().orElseThrow());
  }

  /**
   * Each row of a served request charges exactly what the fake served it, a refused one nothing;
   * the rows are the spend.
   */
  private void assertChargedTheTallyExactly(TestPouch.CreatedTestKey key) {
    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    Map<String, FakeOpenAiUpstream.Served> served = upstream.servedByRequest();
    assertThat(rows.keySet()).containsAll(served.keySet());
    rows.forEach(
        (id, row) -> {
          if (!served.containsKey(id)) { // refused before anything was sent
            assertThat(row.get("cost_micros").asLong()).as("row %s", id).isZero();
          }
        });
    served.forEach(
        (id, tokens) ->
            assertThat(rows.get(id).get("cost_micros").asLong())
                .as("row %s", id)
                .isEqualTo(ServedCharges.cost(tokens.promptTokens(), tokens.completionTokens())));
    ServedCharges.assertEachRowCoversWhatWasServed(pouch, key, upstream);
  }

  @Test
  void aPlainChatAndResponseWithoutALimitGoUpstreamPlainWithTheReservedCapAndAreChargedTheTally()
      throws Exception {
    startUpstream(FakeUpstreamSettings.DEFAULT);
    TestPouch.CreatedTestKey key = plainKey(1_000_000);
    OpenAIClient client = openAi(key);

    ChatCompletion chat =
        client
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("gpt-4o-mini")
                    .addUserMessage("Who are you?")
                    .build());
    JsonNode chatSent = lastUpstreamBody();
    Response response =
        client
            .responses()
            .create(ResponseCreateParams.builder().model("gpt-4o-mini").input("Hello").build());
    JsonNode responseSent = lastUpstreamBody();

    assertThat(chat.choices().get(0).message().content()).isPresent();
    assertThat(chatSent.path("stream").asBoolean(false)).isFalse();
    assertThat(chatSent.has("stream_options")).isFalse();
    // the client set no limit and the budget pays for the model's: that is what is written in
    assertThat(chatSent.path("max_tokens").asLong()).isEqualTo(GPT_4O_MINI_MAX_OUTPUT);
    assertThat(response.output()).isNotEmpty();
    assertThat(responseSent.path("stream").asBoolean(false)).isFalse();
    assertThat(responseSent.path("max_output_tokens").asLong()).isEqualTo(GPT_4O_MINI_MAX_OUTPUT);
    assertThat(upstream.streamsCompleted()).as("nothing was streamed").isZero();
    assertChargedTheTallyExactly(key);
  }

  @Test
  void aBudgetThatCannotPayForTheModelsLimitSendsTheClampedCapPlainAndIsNeverOverspent()
      throws Exception {
    startUpstream(
        FakeUpstreamSettings.DEFAULT.withResponseText(
            "a long answer that fills its cap ".repeat(400)));
    long limit = 3_000; // ~5,000 output tokens of gpt-4o-mini, below its 16,384
    TestPouch.CreatedTestKey key = plainKey(limit);

    TestPouch.Reply reply =
        pouch.chat(
            key,
            Map.of(
                "model",
                "gpt-4o-mini",
                "messages",
                List.of(Map.of("role", "user", "content", "Write at length."))));
    JsonNode sent = lastUpstreamBody();

    assertThat(reply.status()).isEqualTo(200);
    long cap = sent.path("max_tokens").asLong();
    assertThat(cap).isPositive().isLessThan(GPT_4O_MINI_MAX_OUTPUT);
    long reserved =
        Long.parseLong(
            reply.response().headers().firstValue("x-pouch-reserved-micros").orElseThrow());
    assertThat(reserved)
        .as("the reservation pays for the cap sent upstream")
        .isGreaterThanOrEqualTo(ServedCharges.cost(0, cap))
        .isLessThanOrEqualTo(limit);
    for (int i = 0; i < 4; i++) { // until the budget refuses: never past its limit
      int status =
          pouch
              .chat(
                  key,
                  Map.of(
                      "model",
                      "gpt-4o-mini",
                      "messages",
                      List.of(Map.of("role", "user", "content", "Write at length."))))
              .status();
      assertThat(status).isIn(200, 402);
    }
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isLessThanOrEqualTo(limit);
    assertChargedTheTallyExactly(key);
  }

  @Test
  void anAnthropicKeyFetchesPlainMessagesAndChatsPlainWithTheirCapsChargedTheTally()
      throws Exception {
    try (FakeAnthropicUpstream claude = FakeAnthropicUpstream.start()) {
      TestPouch.CreatedTestKey key =
          pouch.createKey(
              KeyBody.anthropic("claude-plain", claude.baseUrl())
                  .budgetMicros(1_000_000)
                  .providerSetting("stream_plain_requests", false));
      AnthropicClient anthropic =
          AnthropicOkHttpClient.builder()
              .apiKey(key.secret())
              .baseUrl(pouch.baseUrl())
              .maxRetries(0)
              .build();

      Message message =
          anthropic
              .messages()
              .create(
                  MessageCreateParams.builder()
                      .model(AnthropicSdkClientTest.MODEL)
                      .maxTokens(200)
                      .addUserMessage("Hello!")
                      .build());
      JsonNode messageSent = claude.lastRequestBody();
      TestPouch.Reply chat =
          pouch.chat(
              key,
              Map.of(
                  "model",
                  AnthropicSdkClientTest.MODEL,
                  "messages",
                  List.of(Map.of("role", "user", "content", "Hello!"))));
      JsonNode chatSent = claude.lastRequestBody();
      ChatCompletion sdkChat =
          openAi(key)
              .chat()
              .completions()
              .create(
                  ChatCompletionCreateParams.builder()
                      .model(AnthropicSdkClientTest.MODEL)
                      .addUserMessage("Hello!")
                      .build());

      assertThat(message.content().get(0).text().orElseThrow().text())
          .isEqualTo(FakeAnthropicUpstream.TEXT);
      assertThat(messageSent.path("stream").isBoolean()).isTrue();
      assertThat(messageSent.path("stream").asBoolean()).isFalse();
      assertThat(messageSent.path("max_tokens").asLong()).isEqualTo(200);
      assertThat(chat.status()).isEqualTo(200);
      assertThat(chatSent.path("stream").asBoolean(true)).isFalse();
      long chatCap = chatSent.path("max_tokens").asLong();
      long reserved =
          Long.parseLong(
              chat.response().headers().firstValue("x-pouch-reserved-micros").orElseThrow());
      assertThat(reserved)
          .as("the reservation pays for the cap the translated chat sent upstream")
          .isGreaterThanOrEqualTo(
              OpenAiSdkClientTest.costMicros(0, 0, chatCap, CLAUDE_OUTPUT_PER_MTOK));
      assertThat(sdkChat.choices().get(0).message().content()).contains(FakeAnthropicUpstream.TEXT);
      assertThat(claude.servedByRequest()).hasSize(3);
      JsonNode budget = pouch.budget(key.id());
      assertThat(budget.get("spent_micros").asLong())
          .isEqualTo(AnthropicSdkClientTest.expectedTotal(claude))
          .isPositive();
      assertThat(budget.get("reserved_micros").asLong()).isZero();
    }
  }

  @Test
  void keysOnUpstreamsNotKnownToEnforceMaxTokensStillStreamPlainRequestsByDefault()
      throws Exception {
    startUpstream(FakeUpstreamSettings.DEFAULT);
    TestPouch.CreatedTestKey openAiKey =
        upstreamKey(KeyBody.openAi("default", "http://placeholder/v1").budgetMicros(1_000_000));
    try (FakeAnthropicUpstream claude = FakeAnthropicUpstream.start()) {
      TestPouch.CreatedTestKey claudeKey =
          pouch.createKey(KeyBody.anthropic("claude", claude.baseUrl()).budgetMicros(1_000_000));
      Map<String, Object> question =
          Map.of("messages", List.of(Map.of("role", "user", "content", "Hi")));
      Map<String, Object> toOpenAi = new java.util.HashMap<>(question);
      toOpenAi.put("model", "gpt-4o-mini");
      Map<String, Object> toClaude = new java.util.HashMap<>(question);
      toClaude.put("model", AnthropicSdkClientTest.MODEL);

      assertThat(pouch.chat(openAiKey, toOpenAi).status()).isEqualTo(200);
      assertThat(pouch.chat(claudeKey, toClaude).status()).isEqualTo(200);

      assertThat(lastUpstreamBody().path("stream").asBoolean()).isTrue();
      assertThat(claude.lastRequestBody().path("stream").asBoolean()).isTrue();
    }
  }
}
