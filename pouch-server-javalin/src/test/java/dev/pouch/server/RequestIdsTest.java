package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One request id per request, chosen by Pouch (issue 10, item 4): the same id in {@code
 * x-request-id} and on the request-log row; the client's own id kept beside it to correlate, and
 * never a ledger key; one row per request that names a key, refused ones too.
 */
class RequestIdsTest extends ServerTest {

  private HttpResponse<String> chat(
      TestPouch.CreatedTestKey key, String clientId, Map<String, Object> body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(pouch.baseUrl() + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", key.bearer())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(pouch.json().writeValueAsString(body)));
    if (clientId != null) {
      request.header("x-request-id", clientId);
    }
    return pouch.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Map<String, Object> body(boolean stream) {
    return Map.of(
        "model",
        "gpt-4o-mini",
        "messages",
        List.of(Map.of("role", "user", "content", "Hello")),
        "max_tokens",
        8,
        "stream",
        stream);
  }

  private JsonNode rowsFound(String id) {
    TestPouch.Reply found = pouch.admin("GET", "/api/requests?id=" + id, null);
    assertThat(found.status()).isEqualTo(200);
    return found.body();
  }

  private static String pouchsId(HttpResponse<String> response) {
    String id = response.headers().firstValue("x-request-id").orElse("");
    assertThat(id).matches("req_[0-9a-f]{28}");
    return id;
  }

  @Test
  void theResponsesIdIsTheRowsIdAndTheClientsOwnIdFindsTheRowToo() throws Exception {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.mock("ids").prices("1", "2").budgetMicros(1_000_000));

    for (boolean stream : new boolean[] {false, true}) {
      String clientId = "client-trace." + stream;
      HttpResponse<String> response = chat(key, clientId, body(stream));
      assertThat(response.statusCode()).isEqualTo(200);
      String id = pouchsId(response);

      JsonNode byPouchsId = rowsFound(id);
      assertThat(byPouchsId).hasSize(1);
      assertThat(byPouchsId.get(0).get("id").asText()).isEqualTo(id);
      assertThat(byPouchsId.get(0).get("client_request_id").asText()).isEqualTo(clientId);
      assertThat(byPouchsId.get(0).get("cost_micros").asLong()).isPositive();
      assertThat(rowsFound(clientId)).isEqualTo(byPouchsId);
    }
  }

  @Test
  void aClientCannotChooseTheLedgerIdNotEvenOneAlreadySettled() throws Exception {
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.mock("replay").prices("1", "2").budgetMicros(1_000_000));
    String settled = pouchsId(chat(key, null, body(false)));
    long spentOnce = pouch.budget(key.id()).get("spent_micros").asLong();
    assertThat(spentOnce).isPositive();

    // a client that sends a settled id as its own: served and charged under a new id
    HttpResponse<String> replay = chat(key, settled, body(false));

    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(pouchsId(replay)).isNotEqualTo(settled);
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong())
        .as("charged like any request")
        .isEqualTo(2 * spentOnce);
    assertThat(rowsFound(settled)).as("the settled row and the replay's row").hasSize(2);
  }

  @Test
  void refusedRequestsThatNameAKeyGetARowAtNoCostWithTheirErrorCode() throws Exception {
    TestPouch.CreatedTestKey limited =
        pouch.createKey(
            KeyBody.mock("limited")
                .budgetMicros(1_000_000)
                .middleware("rate_limit", Map.of("limit", 1, "period", 60)));
    TestPouch.CreatedTestKey narrow =
        pouch.createKey(KeyBody.mock("narrow").allowedModels("gpt-4o").budgetMicros(1_000_000));
    TestPouch.CreatedTestKey broke =
        pouch.createKey(KeyBody.mock("broke").prices("1000", "1000").budgetMicros(1));

    assertThat(chat(limited, null, body(false)).statusCode()).isEqualTo(200);
    HttpResponse<String> rateLimited = chat(limited, "rl-1", body(false));
    HttpResponse<String> notAllowed = chat(narrow, null, body(true));
    HttpResponse<String> overBudget = chat(broke, null, body(false));

    assertRefusedRow(rateLimited, 429, "rate_limit_exceeded", false);
    assertRefusedRow(notAllowed, 403, "model_not_allowed", true);
    assertRefusedRow(overBudget, 402, "budget_exceeded", false);
    assertThat(rowsFound("rl-1")).hasSize(1);
    assertThat(pouch.budget(broke.id()).get("spent_micros").asLong()).isZero();
  }

  private void assertRefusedRow(
      HttpResponse<String> response, int status, String errorCode, boolean streamed) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode rows = rowsFound(pouchsId(response));
    assertThat(rows).hasSize(1);
    JsonNode row = rows.get(0);
    assertThat(row.get("status").asInt()).isEqualTo(status);
    assertThat(row.get("error_code").asText()).isEqualTo(errorCode);
    assertThat(row.get("cost_micros").asLong()).isZero();
    assertThat(row.get("reserved_micros").asLong()).isZero();
    assertThat(row.get("settlement").isNull()).isTrue();
    assertThat(row.get("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(row.get("streamed").asBoolean()).isEqualTo(streamed);
  }
}
