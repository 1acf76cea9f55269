package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The openai provider's presets, Azure OpenAI and a key's own price rows, driven by the official
 * openai-java SDK over real HTTP against the fake upstream (which also answers Azure's deployment
 * URLs): each request reaches the right URL with the right credentials, and the ledger equals what
 * the upstream served at the prices that apply.
 */
class ProviderPresetsTest extends ServerTest {
  private static final String LLAMA = "llama-3.3-70b-versatile";
  // The key's own row for LLAMA: $0.59 / $0.79 per million tokens
  private static final String LLAMA_ROWS =
      "[{\"id\": \""
          + LLAMA
          + "\", \"input_usd_per_mtok\": \"0.59\","
          + " \"output_usd_per_mtok\": \"0.79\", \"context_window\": 131072,"
          + " \"max_output_tokens\": 32768}]";

  private FakeOpenAiUpstream upstream;

  @BeforeEach
  void startUpstream() {
    upstream = FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT);
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  private OpenAIClient client(TestPouch.CreatedTestKey key) {
    return OpenAIOkHttpClient.builder()
        .apiKey(key.secret())
        .baseUrl(pouch.openAiBaseUrl())
        .maxRetries(0)
        .build();
  }

  private static ChatCompletionCreateParams chat(String model) {
    return ChatCompletionCreateParams.builder()
        .model(model)
        .addUserMessage("Say something short about presets.")
        .maxCompletionTokens(40)
        .build();
  }

  /** The fake's root as Azure's resource URL: {@code http://127.0.0.1:PORT/openai}. */
  private String azureBase() {
    return upstream.baseUrl().replaceFirst("/v1$", "/openai");
  }

  private static long servedCost(
      FakeOpenAiUpstream upstream, long inputPerMTok, long outputPerMTok) {
    long expected = 0;
    for (FakeOpenAiUpstream.Served served : upstream.servedByRequest().values()) {
      expected +=
          OpenAiSdkClientTest.costMicros(
              served.promptTokens(), inputPerMTok, served.completionTokens(), outputPerMTok);
    }
    return expected;
  }

  @Test
  void anAzureKeyIsServedThroughItsDeploymentsAndChargedWhatTheUpstreamServed() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.openAi("azure", azureBase())
                .providerSetting("preset", "azure")
                .providerSetting("api_version", "2024-10-21")
                .providerSetting("deployments", "gpt-4o-mini=prod-mini")
                .budgetMicros(1_000_000));
    OpenAIClient client = client(key);

    ChatCompletion plain = client.chat().completions().create(chat("gpt-4o-mini"));
    StringBuilder streamed = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(chat("gpt-4o-mini"))) {
      stream.stream()
          .flatMap(chunk -> chunk.choices().stream())
          .forEach(choice -> choice.delta().content().ifPresent(streamed::append));
    }

    assertThat(plain.choices().get(0).message().content()).isPresent();
    assertThat(streamed).isNotEmpty();
    assertThat(upstream.lastDeployment()).contains("prod-mini");
    assertThat(upstream.lastAuthorization()).as("Azure takes the api-key header").isEmpty();
    assertThat(upstream.servedByRequest()).hasSize(2);
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong())
        .isEqualTo(
            servedCost(upstream, ServedCharges.INPUT_PER_MTOK, ServedCharges.OUTPUT_PER_MTOK));
    assertThat(budget.get("reserved_micros").asLong()).isZero();
  }

  @Test
  void azureEmbeddingsGoToTheModelsOwnDeployment() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.openAi("azure-embed", azureBase())
                .providerSetting("preset", "azure")
                .providerSetting("api_version", "2024-10-21")
                .budgetMicros(1_000_000));

    long tokens =
        client(key)
            .embeddings()
            .create(
                EmbeddingCreateParams.builder()
                    .model("text-embedding-3-small")
                    .input("four words of input")
                    .build())
            .usage()
            .promptTokens();

    assertThat(upstream.lastDeployment()).contains("text-embedding-3-small");
    // text-embedding-3-small: $0.02 per million input tokens
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong())
        .isEqualTo(OpenAiSdkClientTest.costMicros(tokens, 20_000, 0, 0));
  }

  @Test
  void aPresetKeyIsChargedByItsOwnPriceRowsForAModelTheTableLacks() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.openAi("groq", upstream.baseUrl())
                .providerSetting("preset", "groq")
                .providerSetting("prices", LLAMA_ROWS)
                .budgetMicros(100_000));

    client(key).chat().completions().create(chat(LLAMA));

    assertThat(upstream.lastAuthorization()).contains("Bearer sk-test-upstream-secret");
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong())
        .isPositive()
        .isEqualTo(servedCost(upstream, 590_000, 790_000));
    assertThat(budget.get("reserved_micros").asLong()).isZero();
    JsonNode row = ServedCharges.rows(pouch, key).values().iterator().next();
    assertThat(row.get("priced_as").asText()).startsWith(LLAMA + "@key-");
  }

  @Test
  void withoutItsOwnRowsABudgetKeyRefusesTheUnpricedModelBeforeTheUpstream() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.openAi("groq-unpriced", upstream.baseUrl())
                .providerSetting("preset", "groq")
                .budgetMicros(100_000));

    BadRequestException refused =
        Assertions.catchThrowableOfType(
            BadRequestException.class, () -> client(key).chat().completions().create(chat(LLAMA)));

    assertThat(refused.code()).contains("model_price_unknown");
    assertThat(upstream.requestsReceived()).isZero();
  }

  @Test
  void brokenPriceRowsAreRefusedWhenTheKeyIsCreatedNamingTheField() {
    TestPouch.Reply reply =
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.openAi("bad-prices", upstream.baseUrl())
                .providerSetting("prices", "[{\"id\": \"" + LLAMA + "\"}]")
                .toMap());

    assertThat(reply.status()).isEqualTo(400);
    JsonNode error = reply.body().get("error");
    assertThat(error.get("param").asText()).isEqualTo("provider.config.prices");
    assertThat(error.get("message").asText()).contains("models[0]");
  }

  @Test
  void theSchemaOffersThePresetsForTheAdminUiToRender() {
    JsonNode providers = pouch.admin("GET", "/api/plugins", null).body().get("providers");
    JsonNode preset = null;
    for (JsonNode provider : providers) {
      if ("openai".equals(provider.get("id").asText())) {
        for (JsonNode field : provider.get("schema").get("fields")) {
          if ("preset".equals(field.get("name").asText())) {
            preset = field;
          }
        }
      }
    }
    assertThat(preset).as("the openai provider's preset field").isNotNull();
    assertThat(preset.get("type").asText()).isEqualTo("select");
    assertThat(preset.get("options"))
        .extracting(JsonNode::asText)
        .contains("azure", "openrouter", "groq", "ollama", "lmstudio");
    assertThat(preset.get("default").asText()).isEqualTo("custom");
  }
}
