package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A key's {@code fallbacks} through the admin API: validated, shown masked, kept by edits. */
class FallbackKeysTest extends ServerTest {
  private FakeOpenAiUpstream fallback;

  @BeforeEach
  void startUpstream() {
    fallback = FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT);
  }

  @AfterEach
  void stopUpstream() {
    fallback.close();
  }

  private static Map<String, Object> chat() {
    return Map.of(
        "model",
        "gpt-4o-mini",
        "max_tokens",
        10,
        "messages",
        List.of(Map.of("role", "user", "content", "hi")));
  }

  @Test
  void theViewShowsFallbacksWithTheirSecretsMasked() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.openAi("shown", "http://127.0.0.1:9/v1")
                .openAiFallback(fallback.baseUrl(), "gpt-4.1"));

    JsonNode view = pouch.admin("GET", "/api/keys/" + key.id(), null).body();

    JsonNode shown = view.get("fallbacks").get(0);
    assertThat(shown.get("id").asText()).isEqualTo("openai");
    assertThat(shown.get("model").asText()).isEqualTo("gpt-4.1");
    assertThat(shown.get("config").get("base_url").asText()).isEqualTo(fallback.baseUrl());
    assertThat(shown.get("config").get("api_key").asText()).doesNotContain("sk-test-fallback");
  }

  @Test
  void anEditWithoutFallbacksKeepsThemAndTheirSecretsAndAnEmptyListRemovesThem() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.openAi("kept", "http://127.0.0.1:9/v1")
                .openAiFallback(fallback.baseUrl(), null));
    Map<String, Object> edit = KeyBody.openAi("kept-renamed", "http://127.0.0.1:9/v1").toMap();

    TestPouch.Reply edited = pouch.admin("PUT", "/api/keys/" + key.id(), edit);
    TestPouch.Reply served = pouch.chat(key, chat());

    assertThat(edited.status()).as(edited.raw()).isEqualTo(200);
    assertThat(edited.body().get("fallbacks")).hasSize(1);
    assertThat(served.status()).as(served.raw()).isEqualTo(200);
    assertThat(fallback.lastAuthorization()).contains("Bearer sk-test-fallback-secret");

    edit.put("fallbacks", List.of());
    TestPouch.Reply removed = pouch.admin("PUT", "/api/keys/" + key.id(), edit);

    assertThat(removed.body().get("fallbacks")).isEmpty();
    assertThat(pouch.chat(key, chat()).status()).as("the primary alone is down").isEqualTo(502);
  }

  @Test
  void badFallbacksAreRefusedNamingTheField() {
    Map<String, Object> unknown =
        KeyBody.openAi("bad", fallback.baseUrl())
            .set("fallbacks", List.of(Map.of("id", "nonesuch", "config", Map.of())))
            .toMap();
    Map<String, Object> tooMany =
        KeyBody.openAi("many", fallback.baseUrl())
            .set(
                "fallbacks",
                List.of(
                    Map.of("id", "mock"),
                    Map.of("id", "mock"),
                    Map.of("id", "mock"),
                    Map.of("id", "mock"),
                    Map.of("id", "mock")))
            .toMap();
    Map<String, Object> badConfig =
        KeyBody.openAi("config", fallback.baseUrl())
            .set("fallbacks", List.of(Map.of("id", "openai", "config", Map.of("nonesuch", 1))))
            .toMap();
    Map<String, Object> strayField =
        KeyBody.openAi("stray", fallback.baseUrl())
            .set("fallbacks", List.of(Map.of("id", "mock", "weight", 1)))
            .toMap();

    assertThat(param(unknown)).isEqualTo("fallbacks[0].id");
    assertThat(param(tooMany)).isEqualTo("fallbacks");
    assertThat(param(badConfig)).startsWith("fallbacks[0].config");
    assertThat(param(strayField)).isEqualTo("fallbacks[0].weight");
  }

  private String param(Map<String, Object> body) {
    TestPouch.Reply reply = pouch.admin("POST", "/api/keys", body);
    assertThat(reply.status()).as(reply.raw()).isEqualTo(400);
    return reply.body().get("error").get("param").asText();
  }
}
