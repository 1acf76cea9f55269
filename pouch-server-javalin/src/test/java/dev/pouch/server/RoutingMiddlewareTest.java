package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The middlewares that change where a request goes (model_rewrite, mock_override), over HTTP. */
class RoutingMiddlewareTest extends ServerTest {

  private static Map<String, Object> ask(String model) {
    return Map.of("model", model, "messages", List.of(Map.of("role", "user", "content", "hi")));
  }

  @Test
  void modelAliasesAreRewrittenBeforePricingAndTheAllowedModelsCheck() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("aliases")
                .allowedModels("small-model", "big-model")
                .middleware(
                    "model_rewrite", Map.of("rules", "fast = small-model,\nsmart=big-model")));

    TestPouch.Reply fast = pouch.chat(key, ask("fast"));
    TestPouch.Reply direct = pouch.chat(key, ask("big-model"));
    TestPouch.Reply other = pouch.chat(key, ask("other-model"));

    assertThat(fast.status()).isEqualTo(200);
    assertThat(fast.body().get("model").asText()).isEqualTo("small-model");
    assertThat(direct.status()).isEqualTo(200);
    assertThat(other.status()).isEqualTo(403);
    assertThat(other.errorCode()).isEqualTo("model_not_allowed");
    JsonNode log = pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body();
    assertThat(log.findValuesAsText("model"))
        .as("served as rewritten; the refusal's row names the model asked")
        .containsExactlyInAnyOrder("small-model", "big-model", "other-model");
  }

  @Test
  void malformedRewriteRulesAreRefusedNamingTheField() {
    TestPouch.Reply noEquals =
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.mock("bad").middleware("model_rewrite", Map.of("rules", "fast")).toMap());
    TestPouch.Reply twice =
        pouch.admin(
            "POST",
            "/api/keys",
            KeyBody.mock("bad").middleware("model_rewrite", Map.of("rules", "a=b, a=c")).toMap());

    assertThat(noEquals.status()).isEqualTo(400);
    assertThat(noEquals.body().at("/error/param").asText())
        .isEqualTo("middlewares[0].config.rules");
    assertThat(noEquals.body().at("/error/message").asText()).contains("name=value");
    assertThat(twice.status()).isEqualTo(400);
    assertThat(twice.body().at("/error/message").asText()).contains("twice");
  }

  @Test
  void aMockOverrideAnswersInProcessInsteadOfTheUpstreamAndMarksTheKeySimulated() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.openAi("rehearsal", "http://127.0.0.1:9/v1") // nothing listens there
                .middleware("mock_override", Map.of("response_text", "simulated answer")));

    TestPouch.Reply plain = pouch.chat(key, ask("gpt-4o-mini"));
    JsonNode view = pouch.admin("GET", "/api/keys/" + key.id(), null).body();

    assertThat(plain.status()).isEqualTo(200);
    assertThat(plain.body().at("/choices/0/message/content").asText())
        .isEqualTo("simulated answer");
    assertThat(view.get("simulated").asBoolean()).isTrue();
    assertThat(view.at("/provider/id").asText()).isEqualTo("openai");

    pouch.admin(
        "PUT",
        "/api/keys/" + key.id(),
        KeyBody.openAi("rehearsal", "http://127.0.0.1:9/v1").toMap());
    TestPouch.Reply live = pouch.chat(key, ask("gpt-4o-mini"));
    assertThat(live.status())
        .as("without the override the (unreachable) upstream is called")
        .isEqualTo(502);
    assertThat(
            pouch.admin("GET", "/api/keys/" + key.id(), null).body().get("simulated").asBoolean())
        .isFalse();
  }
}
