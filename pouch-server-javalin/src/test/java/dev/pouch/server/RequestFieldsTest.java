package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fields that add billed tokens are in the reservation or refused on keys with a budget (issue 17,
 * hole 4): a predicted output is reserved as output; audio, web search and fields Pouch does not
 * know are refused with a 400 naming the field, before anything is reserved or sent; an admin may
 * allow a server's own fields, which are then reserved as the bytes of their JSON.
 */
class RequestFieldsTest extends FakeUpstreamServerTest {

  private TestPouch.CreatedTestKey key(KeyBody body) {
    if (upstream == null) {
      startUpstream(FakeUpstreamSettings.DEFAULT);
    }
    return upstreamKey(body);
  }

  private static KeyBody budgeted() {
    return KeyBody.openAi("fields", "http://placeholder/v1").budgetMicros(1_000_000);
  }

  private static Map<String, Object> chat(Map<String, Object> extra) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("messages", List.of(Map.of("role", "user", "content", "Refactor my code.")));
    body.put("max_tokens", 10);
    body.putAll(extra);
    return body;
  }

  private static long reserved(TestPouch.Reply reply) {
    return Long.parseLong(reply.response().headers().firstValue("x-pouch-reserved-micros").get());
  }

  private void assertRefusedNaming(
      TestPouch.CreatedTestKey key, Map<String, Object> body, String param) {
    long before = upstream.requestsReceived();

    TestPouch.Reply reply = pouch.chat(key, body);

    assertThat(reply.status()).as(param).isEqualTo(400);
    assertThat(reply.errorCode()).as(param).isEqualTo("unsupported_parameter");
    assertThat(reply.errorType()).as(param).isEqualTo("invalid_request_error");
    assertThat(reply.body().path("error").path("param").asText()).isEqualTo(param);
    assertThat(upstream.requestsReceived())
        .as("%s never reaches the upstream", param)
        .isEqualTo(before);
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isZero();
  }

  @Test
  void aPredictedOutputIsReservedAsOutputOnTopOfMaxTokens() {
    TestPouch.CreatedTestKey key = key(budgeted());
    String code = "class Budget { long limit; long spent; } ".repeat(20);
    Map<String, Object> prediction = Map.of("type", "content", "content", code);

    long without = reserved(pouch.chat(key, chat(Map.of())));
    long with = reserved(pouch.chat(key, chat(Map.of("prediction", prediction))));

    // each byte of the prediction may come back as a rejected token, billed as output
    long predictionBytes =
        ("{\"type\":\"content\",\"content\":\"" + code + "\"}")
            .getBytes(StandardCharsets.UTF_8)
            .length;
    assertThat(with - without)
        .isGreaterThanOrEqualTo(predictionBytes * ServedCharges.OUTPUT_PER_MTOK / 1_000_000);
  }

  @Test
  void audioWebSearchAndUnknownFieldsAreRefusedNamingTheField() {
    TestPouch.CreatedTestKey key = key(budgeted());
    Map<String, Object> audioPart =
        Map.of("type", "input_audio", "input_audio", Map.of("data", "UklGRg==", "format", "wav"));

    assertRefusedNaming(key, chat(Map.of("modalities", List.of("text", "audio"))), "modalities");
    assertRefusedNaming(
        key, chat(Map.of("audio", Map.of("voice", "alloy", "format", "wav"))), "audio");
    assertRefusedNaming(key, chat(Map.of("web_search_options", Map.of())), "web_search_options");
    Map<String, Object> withAudioInput = chat(Map.of());
    withAudioInput.put(
        "messages",
        List.of(
            Map.of(
                "role",
                "user",
                "content",
                List.of(Map.of("type", "text", "text", "Hi"), audioPart))));
    assertRefusedNaming(key, withAudioInput, "messages[0].content[1]");
    assertRefusedNaming(
        key, chat(Map.of("documents", List.of(Map.of("text", "a".repeat(9000))))), "documents");
    assertRefusedNaming(key, chat(Map.of("guided_json", Map.of("type", "object"))), "guided_json");
    assertRefusedNaming(key, chat(Map.of("best_of", 20)), "best_of");
  }

  @Test
  void fieldsTheAdminAllowsAreReservedAsTheBytesOfTheirJson() {
    TestPouch.CreatedTestKey key =
        key(budgeted().providerSetting("extra_fields", "documents, chat_template_kwargs"));
    String document = "Pouch reserves the worst case before the request goes upstream. ".repeat(50);

    long without = reserved(pouch.chat(key, chat(Map.of())));
    TestPouch.Reply with =
        pouch.chat(key, chat(Map.of("documents", List.of(Map.of("text", document)))));

    assertThat(with.status()).isEqualTo(200);
    long documentBytes = document.getBytes(StandardCharsets.UTF_8).length;
    assertThat(reserved(with) - without)
        .isGreaterThanOrEqualTo(documentBytes * ServedCharges.INPUT_PER_MTOK / 1_000_000);
    assertThat(upstream.lastRequestBody().orElseThrow()).contains("\"documents\"");
  }

  @Test
  void aChatTemplateStaysRefusedEvenWhenTheAdminListsIt() {
    TestPouch.CreatedTestKey key = key(budgeted().providerSetting("extra_fields", "chat_template"));

    assertRefusedNaming(key, chat(Map.of("chat_template", "{{ messages }}")), "chat_template");
  }

  @Test
  void documentedFieldsThatAddNoBilledTokensPassThrough() {
    TestPouch.CreatedTestKey key = key(budgeted());
    Map<String, Object> neutral = new LinkedHashMap<>();
    neutral.put("temperature", 0.2);
    neutral.put("top_p", 0.9);
    neutral.put("seed", 7);
    neutral.put("stop", List.of("\n\n"));
    neutral.put("user", "end-user-1");
    neutral.put("metadata", Map.of("team", "a"));
    neutral.put("store", false);
    neutral.put("modalities", List.of("text"));
    neutral.put("reasoning_effort", "low");
    neutral.put("prompt_cache_key", "k");

    TestPouch.Reply reply = pouch.chat(key, chat(neutral));

    assertThat(reply.status()).isEqualTo(200);
  }

  @Test
  void aKeyWithoutBudgetPassesUnknownFieldsOnMetered() {
    TestPouch.CreatedTestKey key = key(KeyBody.openAi("unlimited", "http://placeholder/v1"));

    TestPouch.Reply reply = pouch.chat(key, chat(Map.of("top_k", 40)));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(upstream.lastRequestBody().orElseThrow()).contains("\"top_k\":40");
  }
}
