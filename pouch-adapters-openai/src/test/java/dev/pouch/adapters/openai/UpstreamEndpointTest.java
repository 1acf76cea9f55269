package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.plugin.PluginConfig;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The values of a key's config that become header values or an {@code HttpUrl}: refused by name
 * when OkHttp would refuse them on every request, never quoted back.
 */
class UpstreamEndpointTest {
  private static final String SECRET = "sk-proj-4f1c9e7a2b";

  private final OpenAiProviderFactory factory =
      new OpenAiProviderFactory(
          new OpenAiSettings(null, OpenAiSettings.OPENAI_BASE_URL, null), Clock.systemUTC());

  @AfterEach
  void close() {
    factory.close();
  }

  private PluginConfig config(String field, String value) {
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("api_key", SECRET);
    raw.put(field, value);
    return factory.info().schema().validate(raw);
  }

  private void assertRefused(String field, String value, String... neverQuoted) {
    PluginConfig config = config(field, value);

    assertThatThrownBy(() -> factory.create(config))
        .as("%s = %s", field, value)
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            refused -> {
              assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_CONFIG);
              assertThat(refused.param()).isEqualTo("provider.config." + field);
              assertThat(refused.getMessage()).contains(field).contains("visible ASCII");
              for (String hidden : neverQuoted) {
                assertThat(refused.getMessage()).doesNotContain(hidden);
              }
            });
  }

  @Test
  void anApiKeyWithWhitespaceControlOrNonAsciiCharactersIsRefusedWithoutQuotingIt() {
    for (String bad :
        new String[] {
          SECRET + "\n",
          SECRET + "\r\n",
          " " + SECRET,
          SECRET + " ",
          "sk-a\tb",
          "sk-\u0000",
          "sk-\u007f",
          "sk-t\u00ebst",
          "sk-\u2028x"
        }) {
      assertRefused("api_key", bad, SECRET, bad.strip());
    }
  }

  @Test
  void anOrganizationWithWhitespaceControlOrNonAsciiCharactersIsRefusedWithoutQuotingIt() {
    for (String bad : new String[] {"org-\u00fc", "org-1\r\nX-Injected: yes", "org 1", "org-1\n"}) {
      assertRefused("organization", bad, SECRET, "X-Injected", "org-");
    }
  }

  @Test
  void aBaseUrlWithControlOrNonAsciiCharactersIsRefused() {
    assertRefused("base_url", "http://127.0.0.1:8000/v1\u0000", SECRET);
    assertRefused("base_url", "http://ex\u00e4mple.test/v1", SECRET);
    assertRefused("base_url", "http://example.test/v1/\u007f", SECRET);
  }

  @Test
  void visibleAsciiValuesBecomeTheRequestsHeaders() {
    String key = "sk-proj_AZaz09-._~+/=!#$%&'*^`|";
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("api_key", key);
    raw.put("organization", "org-AbC123");
    assertThat(factory.create(factory.info().schema().validate(raw))).isNotNull();

    Request request =
        UpstreamEndpoint.of("https://example.test/v1", key, "org-AbC123")
            .request("chat/completions")
            .build();

    assertThat(request.header("Authorization")).isEqualTo("Bearer " + key);
    assertThat(request.header("OpenAI-Organization")).isEqualTo("org-AbC123");
    assertThat(request.url()).hasToString("https://example.test/v1/chat/completions");
  }

  @Test
  void theServersDefaultBaseUrlIsStillStripped() {
    assertThat(
            UpstreamEndpoint.of(" https://example.test/v1\n", null, null).url("chat/completions"))
        .hasToString("https://example.test/v1/chat/completions");
  }
}
