package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.plugin.PluginConfig;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Presets and Azure OpenAI: where a key's requests go, and which credentials travel with them. */
class UpstreamPresetTest {
  private static final String SERVER_KEY = "sk-server-0f9e8d";
  private static final String KEY = "sk-key-1a2b3c";

  private final OpenAiProviderFactory factory =
      new OpenAiProviderFactory(
          new OpenAiSettings(SERVER_KEY, "http://127.0.0.1:9/v1", null), Clock.systemUTC());

  @AfterEach
  void close() {
    factory.close();
  }

  private PluginConfig config(Object... pairs) {
    Map<String, Object> raw = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      raw.put((String) pairs[i], pairs[i + 1]);
    }
    return factory.info().schema().validate(raw);
  }

  private Request chat(PluginConfig config, String model) {
    return factory.endpoint(config).request("chat/completions", model).build();
  }

  @Test
  void aPresetFillsInItsServicesBaseUrl() {
    assertThat(chat(config("preset", "groq", "api_key", KEY), "llama-3.3-70b").url())
        .hasToString("https://api.groq.com/openai/v1/chat/completions");
    assertThat(chat(config("preset", "openrouter", "api_key", KEY), "x").url())
        .hasToString("https://openrouter.ai/api/v1/chat/completions");
    assertThat(chat(config("preset", "gemini", "api_key", KEY), "x").url())
        .hasToString("https://generativelanguage.googleapis.com/v1beta/openai/chat/completions");
    assertThat(chat(config("preset", "ollama"), "llama3").url())
        .hasToString("http://localhost:11434/v1/chat/completions");
  }

  @Test
  void aKeysOwnBaseUrlWinsOverItsPreset() {
    Request request =
        chat(config("preset", "ollama", "base_url", "http://gpu-box.internal:11434/v1"), "m");

    assertThat(request.url()).hasToString("http://gpu-box.internal:11434/v1/chat/completions");
    assertThat(request.header("Authorization")).isNull();
  }

  @Test
  void withoutAPresetTheServersDefaultsApplyAsBefore() {
    Request request = chat(config(), "gpt-4o");

    assertThat(request.url()).hasToString("http://127.0.0.1:9/v1/chat/completions");
    assertThat(request.header("Authorization")).isEqualTo("Bearer " + SERVER_KEY);
  }

  @Test
  void theServersOwnApiKeyIsNeverSentToAThirdPartysHost() {
    for (String preset : new String[] {"groq", "openrouter", "together", "mistral", "deepseek"}) {
      assertThatThrownBy(() -> factory.endpoint(config("preset", preset)))
          .as(preset)
          .isInstanceOfSatisfying(
              RequestRejectedException.class,
              refused -> {
                assertThat(refused.param()).isEqualTo("provider.config.api_key");
                assertThat(refused.getMessage()).contains(preset + " preset");
              });
    }
    assertThat(chat(config("preset", "vllm"), "m").header("Authorization")).isNull();
    assertThat(chat(config("preset", "openai"), "m").header("Authorization"))
        .isEqualTo("Bearer " + SERVER_KEY);
  }

  @Test
  void azurePostsToTheModelsDeploymentWithItsApiVersionAndTheApiKeyHeader() {
    PluginConfig azure =
        config(
            "preset", "azure",
            "api_key", KEY,
            "base_url", "https://contoso.openai.azure.com/openai",
            "api_version", "2024-10-21",
            "deployments", "gpt-4o=prod-4o, text-embedding-3-small=embed");

    Request chat = chat(azure, "gpt-4o");
    assertThat(chat.url())
        .hasToString(
            "https://contoso.openai.azure.com/openai/deployments/prod-4o/chat/completions"
                + "?api-version=2024-10-21");
    assertThat(chat.header("api-key")).isEqualTo(KEY);
    assertThat(chat.header("Authorization")).isNull();
    assertThat(factory.endpoint(azure).url("embeddings", "text-embedding-3-small"))
        .hasToString(
            "https://contoso.openai.azure.com/openai/deployments/embed/embeddings"
                + "?api-version=2024-10-21");
    // A model without a pair is its own deployment's name.
    assertThat(factory.endpoint(azure).url("completions", "gpt-35-turbo-instruct").encodedPath())
        .isEqualTo("/openai/deployments/gpt-35-turbo-instruct/completions");
    // The Responses API and stored responses are not under a deployment; a client's query stays.
    assertThat(factory.endpoint(azure).url("responses", "gpt-4o"))
        .hasToString("https://contoso.openai.azure.com/openai/responses?api-version=2024-10-21");
    assertThat(factory.endpoint(azure).url("responses/resp_1/input_items", null, "limit=5"))
        .hasToString(
            "https://contoso.openai.azure.com/openai/responses/resp_1/input_items"
                + "?api-version=2024-10-21&limit=5");
  }

  @Test
  void azuresV1RootTakesOpenAisPathsWithTheApiKeyHeader() {
    Request request =
        chat(
            config(
                "preset", "azure",
                "api_key", KEY,
                "base_url", "https://contoso.openai.azure.com/openai/v1"),
            "gpt-4o");

    assertThat(request.url())
        .hasToString("https://contoso.openai.azure.com/openai/v1/chat/completions");
    assertThat(request.header("api-key")).isEqualTo(KEY);
  }

  @Test
  void azureNeedsItsResourcesBaseUrl() {
    assertThatThrownBy(() -> factory.endpoint(config("preset", "azure", "api_key", KEY)))
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            refused -> assertThat(refused.param()).isEqualTo("provider.config.base_url"));
  }

  @Test
  void azuresFieldsAreRefusedOnOtherPresets() {
    assertThatThrownBy(() -> factory.endpoint(config("api_version", "2024-10-21")))
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            refused -> {
              assertThat(refused.param()).isEqualTo("provider.config.api_version");
              assertThat(refused.getMessage()).contains("azure preset only");
            });
  }

  @Test
  void anUnknownPresetIsRefusedByTheSchema() {
    assertThatThrownBy(() -> config("preset", "bedrock"))
        .isInstanceOf(RequestRejectedException.class)
        .hasMessageContaining("preset");
  }
}
