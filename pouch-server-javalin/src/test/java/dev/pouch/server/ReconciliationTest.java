package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.domain.money.ModelPrice;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/reconciliation} end to end: requests driven through Pouch by the official SDKs to
 * the fake upstreams, whose bills report what they served at the bundled prices; the ledger then
 * equals the bill, and a surcharge the provider adds is flagged.
 */
class ReconciliationTest {
  @TempDir Path data;
  private FakeOpenAiUpstream openAi;
  private FakeAnthropicUpstream anthropic;
  private TestPouch pouch;

  @BeforeEach
  void start() {
    openAi = FakeOpenAiUpstream.start();
    // gpt-4o-mini in the bundled table: $0.15 / $0.60 per million tokens
    openAi.bill().price("gpt-4o-mini", ModelPrice.of(150_000, 600_000));
    anthropic = FakeAnthropicUpstream.start();
    // claude-haiku-4-5: $1 input, $0.10 cache read, $5 output, $1.25 / $2 cache writes
    anthropic
        .bill()
        .price(
            AnthropicSdkClientTest.MODEL,
            new ModelPrice(1_000_000, 100_000, 5_000_000, 1_250_000, 2_000_000));
  }

  /** Pouch with both admin keys, reading the fakes' bills. */
  private void startPouch() {
    pouch =
        TestPouch.start(
            data,
            config ->
                config.withReconciliation(
                    ReconciliationConfig.DEFAULTS
                        .withOpenAi("sk-admin-test", openAi.baseUrl())
                        .withAnthropic("sk-ant-admin-test", anthropic.baseUrl())));
  }

  @AfterEach
  void stop() {
    if (pouch != null) {
      pouch.close();
    }
    openAi.close();
    anthropic.close();
  }

  private static String today() {
    return LocalDate.now(ZoneOffset.UTC).toString();
  }

  private JsonNode reconcile(String query) {
    TestPouch.Reply reply = pouch.admin("GET", "/api/reconciliation?" + query, null);
    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    return reply.body();
  }

  private static JsonNode section(JsonNode body, String provider) {
    for (JsonNode section : body.path("providers")) {
      if (provider.equals(section.path("provider").asText())) {
        return section;
      }
    }
    throw new AssertionError("no section for " + provider + " in " + body);
  }

  private void chatThroughPouch() {
    startPouch();
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.openAi("billed", openAi.baseUrl()).budgetMicros(1_000_000));
    OpenAIClient client =
        OpenAIOkHttpClient.builder()
            .apiKey(key.secret())
            .baseUrl(pouch.openAiBaseUrl())
            .maxRetries(0)
            .build();
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder()
            .model("gpt-4o-mini")
            .addUserMessage("Tell me about foxes.")
            .maxCompletionTokens(40)
            .build();
    client.chat().completions().create(params);
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      stream.stream().forEach(chunk -> {});
    }
  }

  @Test
  void chatDrivenThroughPouchReconcilesToTheMicroDollarThenASurchargeIsFlagged() {
    chatThroughPouch();

    JsonNode body = reconcile("from=" + today() + "&to=" + today() + "&provider=openai");

    JsonNode openai = section(body, "openai");
    assertThat(body.path("providers")).hasSize(1);
    assertThat(openai.path("available").asBoolean()).isTrue();
    JsonNode day = openai.path("days").get(0);
    long ledger = day.path("ledger_micros").asLong();
    assertThat(ledger).isPositive();
    assertThat(day.path("provider_micros").asLong()).isEqualTo(ledger);
    assertThat(day.path("difference_micros").asLong()).isZero();
    assertThat(day.path("flagged").asBoolean()).isFalse();
    JsonNode model = day.path("models").get(0);
    assertThat(model.path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(model.path("ledger_requests").asLong()).isEqualTo(2);
    assertThat(model.path("provider_input_tokens").asLong())
        .isEqualTo(model.path("ledger_prompt_tokens").asLong());
    assertThat(model.path("provider_output_tokens").asLong())
        .isEqualTo(model.path("ledger_completion_tokens").asLong());
    assertThat(openai.path("flagged").asBoolean()).isFalse();

    openAi.bill().surcharge(LocalDate.now(ZoneOffset.UTC), "gpt-4o-mini", 50_000);
    JsonNode drifted =
        section(reconcile("from=" + today() + "&to=" + today()), "openai").path("days").get(0);

    assertThat(drifted.path("difference_micros").asLong()).isEqualTo(50_000);
    assertThat(drifted.path("flagged").asBoolean()).isTrue();
    assertThat(drifted.path("models").get(0).path("flagged").asBoolean()).isTrue();
  }

  @Test
  void messagesDrivenThroughPouchByTheAnthropicSdkReconcileToo() {
    startPouch();
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.anthropic("claude", anthropic.baseUrl()).budgetMicros(1_000_000));
    AnthropicClient client =
        AnthropicOkHttpClient.builder()
            .apiKey(key.secret())
            .baseUrl(pouch.baseUrl())
            .maxRetries(0)
            .build();
    MessageCreateParams params =
        MessageCreateParams.builder()
            .model(AnthropicSdkClientTest.MODEL)
            .maxTokens(100)
            .addUserMessage("Hello!")
            .build();
    client.messages().create(params);
    try (var stream = client.messages().createStreaming(params)) {
      stream.stream().forEach(event -> {});
    }

    JsonNode claude = section(reconcile("from=" + today() + "&to=" + today()), "anthropic");

    JsonNode day = claude.path("days").get(0);
    assertThat(claude.path("available").asBoolean()).isTrue();
    assertThat(day.path("ledger_micros").asLong()).isPositive();
    assertThat(day.path("provider_micros").asLong()).isEqualTo(day.path("ledger_micros").asLong());
    assertThat(day.path("flagged").asBoolean()).isFalse();

    anthropic.bill().surcharge(LocalDate.now(ZoneOffset.UTC), AnthropicSdkClientTest.MODEL, 20_000);
    JsonNode drifted = section(reconcile("from=" + today() + "&to=" + today()), "anthropic");
    assertThat(drifted.path("days").get(0).path("flagged").asBoolean()).isTrue();
  }

  @Test
  void aFailingBillIsItsProvidersSectionAndTheOthersStillAnswer() {
    startPouch();
    openAi.bill().failWith(500);

    JsonNode body = reconcile("from=" + today() + "&to=" + today());

    JsonNode openai = section(body, "openai");
    assertThat(openai.path("available").asBoolean()).isFalse();
    assertThat(openai.path("status").asText()).isEqualTo("failed");
    assertThat(openai.path("upstream_status").asInt()).isEqualTo(500);
    assertThat(openai.path("reason").asText()).contains("organization/costs");
    assertThat(section(body, "anthropic").path("available").asBoolean()).isTrue();
  }

  @Test
  void aProviderWithoutAnAdminKeyIsUnavailableNotAnError() {
    try (TestPouch plain = TestPouch.start(data)) {
      TestPouch.Reply reply =
          plain.admin("GET", "/api/reconciliation?from=2026-11-01&to=2026-11-30", null);

      assertThat(reply.status()).isEqualTo(200);
      for (JsonNode section : reply.body().path("providers")) {
        assertThat(section.path("available").asBoolean()).isFalse();
        assertThat(section.path("status").asText()).isEqualTo("unavailable");
        assertThat(section.path("reason").asText()).contains("ADMIN_KEY");
      }
      assertThat(reply.body().path("providers")).hasSize(2);
    }
  }

  @Test
  void badDatesAndRangesAre400sNamingTheParam() {
    startPouch();
    Map<String, String> cases =
        Map.of(
            "to=2026-11-02", "from",
            "from=2026-11-02", "to",
            "from=2026-13-01&to=2026-12-02", "from",
            "from=2026-11-02&to=yesterday", "to",
            "from=2026-11-02&to=2026-11-01", "to",
            "from=2026-11-01&to=2026-12-02", "to",
            "from=2026-11-01&to=2026-11-02&provider=mock", "provider");
    cases.forEach(
        (query, param) -> {
          TestPouch.Reply reply = pouch.admin("GET", "/api/reconciliation?" + query, null);
          assertThat(reply.status()).as(query).isEqualTo(400);
          assertThat(reply.body().path("error").path("param").asText()).as(query).isEqualTo(param);
        });
  }

  @Test
  void theRouteNeedsTheAdminToken() {
    startPouch();
    TestPouch.Reply reply =
        pouch.send("GET", "/api/reconciliation?from=2026-11-01&to=2026-11-01", null, null);

    assertThat(reply.status()).isEqualTo(401);
  }
}
