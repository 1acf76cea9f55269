package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * End users inside a key, from the client's side and the admin's: which field or header a key
 * trusts (the others are ignored), a required id refused naming where to send it, bad ids refused,
 * the layer named in a refusal, the admin API's strict policy, its paging of end users, an edit of
 * the terms applied by position, and a key holder's view of its end user's budgets. Driven with
 * openai-java where a client sends the request.
 */
// OpenAI deprecated `user` for `safety_identifier`; clients still send it, and a key may trust it.
@SuppressWarnings("deprecation")
class EndUserKeysTest extends ServerTest {
  private static final String MOCK_TEXT = "Pouch tells end users apart";

  private static Map<String, Object> budget(long limit, long period) {
    return Map.of("limit_micros", limit, "reset_period_seconds", period);
  }

  private static Map<String, Object> endUser(String source, boolean required, long limit) {
    Map<String, Object> endUser = new LinkedHashMap<>();
    endUser.put("source", source);
    endUser.put("required", required);
    endUser.put("budgets", List.of(budget(limit, 86_400)));
    return endUser;
  }

  private TestPouch.CreatedTestKey key(Map<String, Object> endUser) {
    return pouch.createKey(
        KeyBody.mock("end users")
            .prices("2.50", "10.00")
            .providerSetting("response_text", MOCK_TEXT)
            .budgetMicros(1_000_000)
            .set("end_user", endUser));
  }

  private OpenAIClient client(TestPouch.CreatedTestKey key) {
    return OpenAIOkHttpClient.builder()
        .apiKey(key.secret())
        .baseUrl(pouch.openAiBaseUrl())
        .maxRetries(0)
        .build();
  }

  private static ChatCompletionCreateParams.Builder question() {
    return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("Who am I?");
  }

  private JsonNode rows(TestPouch.CreatedTestKey key) {
    return pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body();
  }

  private JsonNode endUserView(TestPouch.CreatedTestKey key, String id) {
    TestPouch.Reply reply = pouch.admin("GET", "/api/keys/" + key.id() + "/end-users/" + id, null);
    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);
    return reply.body();
  }

  @Test
  void aKeyThatRequiresTheUserFieldRefusesARequestWithoutItNamingTheFieldAndChargesTheOneNamed() {
    TestPouch.CreatedTestKey key = key(endUser("user", true, 500_000));
    OpenAIClient client = client(key);

    BadRequestException missing =
        catchThrowableOfType(
            BadRequestException.class,
            () -> client.chat().completions().create(question().build()));
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.param()).contains("user");
    assertThat(missing.getMessage())
        .contains("This key requires an end-user id: send it in 'user'");

    client.chat().completions().create(question().user("sdk-user-1").build());

    JsonNode row = rows(key).get(0);
    assertThat(row.get("end_user_id").asText()).isEqualTo("sdk-user-1");
    long cost = row.get("cost_micros").asLong();
    assertThat(cost).isPositive();
    assertThat(endUserView(key, "sdk-user-1").get("budgets").get(0).get("spent_micros").asLong())
        .isEqualTo(cost);
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong()).isEqualTo(cost);
  }

  @Test
  void aKeyTrustingSafetyIdentifierIgnoresTheUserFieldAndTheHeader() {
    TestPouch.CreatedTestKey key = key(endUser("safety_identifier", true, 500_000));
    OpenAIClient client = client(key);

    BadRequestException onlyUser =
        catchThrowableOfType(
            BadRequestException.class,
            () -> client.chat().completions().create(question().user("not-this-one").build()));
    assertThat(onlyUser.param()).contains("safety_identifier");

    client
        .chat()
        .completions()
        .create(question().safetyIdentifier("sid-7").user("not-this-one").build());

    assertThat(rows(key).get(0).get("end_user_id").asText()).isEqualTo("sid-7");
    assertThat(
            pouch.admin("GET", "/api/keys/" + key.id() + "/end-users/not-this-one", null).status())
        .isEqualTo(404);
  }

  @Test
  void aKeyTrustingTheHeaderIgnoresTheBodyFieldsAndRefusesARequestWithoutTheHeader()
      throws Exception {
    TestPouch.CreatedTestKey key = key(endUser("header", true, 500_000));
    String body =
        "{\"model\":\"gpt-4o-mini\",\"user\":\"body-user\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    TestPouch.Reply missing = pouch.send("POST", "/v1/chat/completions", key.bearer(), body);
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.body().path("error").path("param").asText()).isEqualTo("x-pouch-end-user");

    HttpResponse<String> named =
        pouch
            .http()
            .send(
                HttpRequest.newBuilder(URI.create(pouch.openAiBaseUrl() + "/chat/completions"))
                    .header("Authorization", key.bearer())
                    .header("Content-Type", "application/json")
                    .header("x-pouch-end-user", "header-user")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(named.statusCode()).as(named.body()).isEqualTo(200);

    assertThat(rows(key).get(0).get("end_user_id").asText()).isEqualTo("header-user");
  }

  @Test
  void anIdThatIsNoIdIsRefusedAndAnOptionalOneMayBeLeftOut() {
    TestPouch.CreatedTestKey key = key(endUser("user", false, 500_000));
    OpenAIClient client = client(key);

    for (String bad : List.of("has space", "x".repeat(129), "naïve")) {
      BadRequestException refused =
          catchThrowableOfType(
              BadRequestException.class,
              () -> client.chat().completions().create(question().user(bad).build()));
      assertThat(refused.param()).contains("user");
      assertThat(refused.getMessage()).contains("The end-user id in 'user' is not valid");
    }
    client.chat().completions().create(question().build());

    assertThat(rows(key).get(0).get("end_user_id").isNull()).isTrue();
    assertThat(pouch.admin("GET", "/api/keys/" + key.id() + "/end-users", null).body().get("data"))
        .isEmpty();
  }

  @Test
  void anEndUserWhoseBudgetCannotPayIsRefusedNamingItsLayerWhileAnotherEndUserIsServed() {
    TestPouch.CreatedTestKey key = key(endUser("user", true, 1));
    OpenAIClient client = client(key);

    OpenAIServiceException refused =
        catchThrowableOfType(
            OpenAIServiceException.class,
            () -> client.chat().completions().create(question().user("u-poor").build()));

    assertThat(refused.statusCode()).isEqualTo(402);
    assertThat(refused.getMessage())
        .contains("The end user 'u-poor' budget (daily) cannot cover the request");
    assertThat(pouch.budget(key.id()).get("reserved_micros").asLong()).isZero();
    assertThat(pouch.admin("GET", "/api/keys/" + key.id() + "/end-users/u-poor", null).status())
        .as("a refused first request creates no budgets")
        .isEqualTo(404);
    assertThat(rows(key).get(0).get("end_user_id").asText()).isEqualTo("u-poor");
  }

  @Test
  void theKeyViewShowsTheEndUserPolicyAndTheDraftIsStrictNamingTheField() {
    TestPouch.CreatedTestKey key = key(endUser("header", true, 700));

    JsonNode view = pouch.admin("GET", "/api/keys/" + key.id(), null).body().get("end_user");
    assertThat(view.get("source").asText()).isEqualTo("header");
    assertThat(view.get("required").asBoolean()).isTrue();
    assertThat(view.get("budgets").get(0).get("limit_micros").asLong()).isEqualTo(700);

    Map<String, Map<String, Object>> faults = new LinkedHashMap<>();
    faults.put("end_user.source", Map.of("source", "cookie"));
    faults.put("end_user.color", Map.of("source", "user", "color", "red"));
    faults.put("end_user.required", Map.of("source", "user", "required", "yes"));
    faults.put(
        "end_user.budgets[0].limit_micros",
        Map.of("source", "user", "budgets", List.of(budget(-1, 0))));
    for (Map.Entry<String, Map<String, Object>> fault : faults.entrySet()) {
      TestPouch.Reply reply =
          pouch.admin(
              "POST", "/api/keys", KeyBody.mock("bad").set("end_user", fault.getValue()).toMap());
      assertThat(reply.status()).as(reply.raw()).isEqualTo(400);
      assertThat(reply.body().path("error").path("param").asText()).isEqualTo(fault.getKey());
    }
  }

  @Test
  void endUsersAreListedInPagesByIdAndOneEndUserCanBeRead() {
    TestPouch.CreatedTestKey key = key(endUser("user", false, 500_000));
    OpenAIClient client = client(key);
    for (String id : List.of("e", "c", "a", "d", "b")) {
      client.chat().completions().create(question().user(id).build());
    }

    List<String> seen = new ArrayList<>();
    List<Integer> pageSizes = new ArrayList<>();
    String after = null;
    do {
      JsonNode page =
          pouch
              .admin(
                  "GET",
                  "/api/keys/"
                      + key.id()
                      + "/end-users?limit=2"
                      + (after == null ? "" : "&after=" + after),
                  null)
              .body();
      page.get("data").forEach(each -> seen.add(each.get("id").asText()));
      pageSizes.add(page.get("data").size());
      after = page.get("next_after").isNull() ? null : page.get("next_after").asText();
    } while (after != null);

    assertThat(seen).containsExactly("a", "b", "c", "d", "e");
    assertThat(pageSizes).containsExactly(2, 2, 1);
    assertThat(endUserView(key, "c").get("budgets").get(0).get("spent_micros").asLong())
        .isPositive();
    assertThat(pouch.admin("GET", "/api/keys/" + key.id() + "/end-users?limit=0", null).status())
        .isEqualTo(400);
    assertThat(pouch.admin("GET", "/api/keys/key_nope/end-users", null).status()).isEqualTo(404);
  }

  @Test
  void anEndUserWhoseIdHoldsPlusAndSlashCanBeReadByItsPath() {
    TestPouch.CreatedTestKey key = key(endUser("user", false, 500_000));
    client(key).chat().completions().create(question().user("team+a/b@example.com").build());

    JsonNode read = endUserView(key, "team%2Ba/b@example.com");

    assertThat(read.get("id").asText()).isEqualTo("team+a/b@example.com");
    assertThat(read.get("key_id").asText()).isEqualTo(key.id());
  }

  @Test
  void editingTheEndUserTermsAppliesThemByPositionToEveryEndUserKeepingItsSpend() {
    TestPouch.CreatedTestKey key = key(endUser("user", false, 500_000));
    client(key).chat().completions().create(question().user("u-1").build());
    long spent = endUserView(key, "u-1").get("budgets").get(0).get("spent_micros").asLong();

    Map<String, Object> edited = new LinkedHashMap<>();
    edited.put("source", "user");
    edited.put("budgets", List.of(budget(900_000, 86_400), budget(5_000_000, 0)));
    TestPouch.Reply reply =
        pouch.admin(
            "PUT",
            "/api/keys/" + key.id(),
            KeyBody.mock("end users")
                .prices("2.50", "10.00")
                .providerSetting("response_text", MOCK_TEXT)
                .budgetMicros(1_000_000)
                .set("end_user", edited)
                .toMap());
    assertThat(reply.status()).as(reply.raw()).isEqualTo(200);

    JsonNode budgets = endUserView(key, "u-1").get("budgets");
    assertThat(budgets).hasSize(2);
    assertThat(budgets.get(0).get("limit_micros").asLong()).isEqualTo(900_000);
    assertThat(budgets.get(0).get("spent_micros").asLong()).isEqualTo(spent);
    assertThat(budgets.get(1).get("limit_micros").asLong()).isEqualTo(5_000_000);
    assertThat(budgets.get(1).get("spent_micros").asLong()).isZero();

    // an edit that leaves end_user out keeps it (as the admin UI sends)
    TestPouch.Reply rename =
        pouch.admin(
            "PUT",
            "/api/keys/" + key.id(),
            KeyBody.mock("renamed")
                .prices("2.50", "10.00")
                .providerSetting("response_text", MOCK_TEXT)
                .budgetMicros(1_000_000)
                .toMap());
    assertThat(rename.body().get("end_user").get("budgets")).hasSize(2);
  }

  @Test
  void aKeyHolderSeesTheEndUsersBudgetWhenItNamesOne() throws Exception {
    TestPouch.CreatedTestKey key = key(endUser("user", false, 500_000));
    client(key).chat().completions().create(question().user("u-1").build());

    HttpResponse<String> named =
        pouch
            .http()
            .send(
                HttpRequest.newBuilder(URI.create(pouch.openAiBaseUrl() + "/pouch/budgets"))
                    .header("Authorization", key.bearer())
                    .header("x-pouch-end-user", "u-1")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    JsonNode data =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(named.body()).get("data");
    assertThat(data).hasSize(2);
    assertThat(data.get(1).get("owner").asText()).isEqualTo("end_user");
    assertThat(data.get(1).get("owner_name").asText()).isEqualTo("u-1");
    assertThat(data.get(1).get("spent_micros").asLong()).isPositive();
    assertThat(data.get(1).get("remaining_micros").asLong())
        .isEqualTo(500_000 - data.get(1).get("spent_micros").asLong());

    JsonNode plain = pouch.send("GET", "/v1/pouch/budgets", key.bearer(), null).body().get("data");
    assertThat(plain).hasSize(1);
  }
}
