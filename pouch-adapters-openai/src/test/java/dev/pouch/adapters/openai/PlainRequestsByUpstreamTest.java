package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.SchemaField;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which keys fetch plain answers plain (issue 22, D39): by default only those whose upstream is
 * known to enforce {@code max_tokens} (OpenAI's own API, Azure OpenAI); every other upstream keeps
 * streaming them; a key's own {@code stream_plain_requests} wins either way.
 */
class PlainRequestsByUpstreamTest {
  private static final String KEY = "sk-key-1a2b3c";

  private final OpenAiProviderFactory factory =
      new OpenAiProviderFactory(
          new OpenAiSettings(null, "http://127.0.0.1:9/v1", null), Clock.systemUTC());

  @AfterEach
  void close() {
    factory.close();
  }

  private PluginConfig config(Object... pairs) {
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("api_key", KEY);
    for (int i = 0; i < pairs.length; i += 2) {
      raw.put((String) pairs[i], pairs[i + 1]);
    }
    return factory.info().schema().validate(raw);
  }

  private boolean streams(Object... pairs) {
    PluginConfig config = config(pairs);
    return factory.streamsPlainRequests(config, factory.endpoint(config));
  }

  @Test
  void openAisOwnApiAndAzureGetPlainRequestsPlainByDefault() {
    assertThat(streams("preset", "openai")).isFalse();
    assertThat(streams("preset", "openai", "base_url", "https://api.openai.com/v1/")).isFalse();
    assertThat(streams("base_url", "https://api.openai.com/v1"))
        .as("custom, OpenAI's URL")
        .isFalse();
    assertThat(
            streams(
                "preset",
                "azure",
                "base_url",
                "https://res.openai.azure.com/openai",
                "api_version",
                "2024-10-21"))
        .isFalse();
  }

  @Test
  void everyOtherUpstreamKeepsStreamingPlainRequestsByDefault() {
    assertThat(streams()).as("custom, the server's default URL").isTrue();
    assertThat(streams("base_url", "http://vllm.internal:8000/v1")).isTrue();
    assertThat(streams("preset", "openai", "base_url", "https://proxy.example.com/v1"))
        .as("the openai preset through another host")
        .isTrue();
    for (String preset :
        new String[] {
          "openrouter",
          "groq",
          "together",
          "mistral",
          "deepseek",
          "gemini",
          "ollama",
          "vllm",
          "lmstudio"
        }) {
      assertThat(streams("preset", preset)).as(preset).isTrue();
    }
  }

  @Test
  void aKeysOwnSettingWinsEitherWay() {
    assertThat(streams("preset", "openai", "stream_plain_requests", true)).isTrue();
    assertThat(streams("preset", "groq", "stream_plain_requests", false)).isFalse();
    assertThat(streams("base_url", "http://vllm.internal:8000/v1", "stream_plain_requests", false))
        .isFalse();
  }

  @Test
  void theSchemaHasNoStaticDefaultAndSaysTheRule() {
    SchemaField field =
        factory.info().schema().field(OpenAiProviderFactory.STREAM_PLAIN_REQUESTS).orElseThrow();

    assertThat(field.defaultValue()).isNull();
    assertThat(field.description()).contains("https://api.openai.com/v1").contains("azure");
    assertThat(config().has(OpenAiProviderFactory.STREAM_PLAIN_REQUESTS)).isFalse();
  }
}
