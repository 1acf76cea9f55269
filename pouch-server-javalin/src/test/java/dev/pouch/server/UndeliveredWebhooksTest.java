package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Budget alerts sent to real webhooks that fail: retried with backoff (fast in tests), and kept
 * when undeliverable, where the admin API lists and deletes them.
 */
class UndeliveredWebhooksTest extends ServerTest {
  private static final String UNDELIVERED = "/api/webhooks/undelivered";
  private static final long LIMIT = 20_000;

  private static Map<String, Object> chat() {
    return Map.of(
        "model",
        "m",
        "max_tokens",
        10,
        "messages",
        List.of(Map.of("role", "user", "content", "hello")));
  }

  /** A key whose budget alert at {@code percents} goes to {@code url}; spends past them. */
  private TestPouch.CreatedTestKey alertingKeySpendingPast(
      String url, String percents, int highest) {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("alerting")
                .prices("100", "100")
                .budgetMicros(LIMIT)
                .middleware("budget_alert", Map.of("webhook_url", url, "percents", percents)));
    while (pouch.budget(key.id()).get("spent_micros").asLong() * 100 < highest * LIMIT) {
      assertThat(pouch.chat(key, chat()).status()).isEqualTo(200);
    }
    return key;
  }

  private JsonNode undelivered(String query) {
    TestPouch.Reply reply = pouch.admin("GET", UNDELIVERED + query, null);
    assertThat(reply.status()).isEqualTo(200);
    return reply.body();
  }

  private JsonNode eventuallyUndelivered(int count) throws InterruptedException {
    eventually(count + " undelivered", () -> undelivered("").size() == count);
    return undelivered("");
  }

  private static void eventually(String what, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 15 s: " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void aWebhookAnswering503TwiceGetsTheNoticeOnceOnTheThirdAttempt() throws Exception {
    try (WebhookReceiver webhook = new WebhookReceiver(503, 503, 200)) {
      TestPouch.CreatedTestKey key = alertingKeySpendingPast(webhook.url(), "1", 1);

      JsonNode notice = webhook.next();
      Thread.sleep(200); // an extra attempt would come within a few backoffs

      assertThat(notice.get("type").asText()).isEqualTo("budget_alert");
      assertThat(notice.get("key_id").asText()).isEqualTo(key.id());
      assertThat(webhook.requests()).isEqualTo(3);
      assertThat(webhook.drain()).as("delivered once").isEmpty();
      assertThat(undelivered("")).isEmpty();
    }
  }

  @Test
  void aWebhookAlwaysAnswering500IsTriedFiveTimesThenTheNoticeIsKeptAndListed() throws Exception {
    try (WebhookReceiver webhook = new WebhookReceiver(500)) {
      String url = webhook.url() + "?token=s3cret";
      TestPouch.CreatedTestKey key = alertingKeySpendingPast(url, "1", 1);

      JsonNode row = eventuallyUndelivered(1).get(0);

      assertThat(webhook.requests()).isEqualTo(5);
      assertThat(row.get("attempts").asInt()).isEqualTo(5);
      assertThat(row.get("last_status").asInt()).isEqualTo(500);
      assertThat(row.get("last_error").asText()).isEqualTo("HTTP 500");
      assertThat(row.get("type").asText()).isEqualTo("budget_alert");
      assertThat(row.get("key_id").asText()).isEqualTo(key.id());
      assertThat(row.get("url_host").asText()).isEqualTo(java.net.URI.create(url).getAuthority());
      assertThat(pouch.json().readTree(row.get("payload").asText()).get("percent").asInt())
          .isEqualTo(1);
      assertThat(row.toString()).as("the URL's query may hold a token").doesNotContain("s3cret");
      assertThat(pouch.send("GET", "/metrics", null, null).raw())
          .contains("pouch_webhook_deliveries_total{outcome=\"kept\"} 1.0")
          .contains("pouch_webhook_deliveries_total{outcome=\"retried\"} 4.0");
    }
  }

  @Test
  void a400IsNotRetriedAndTheNoticesAreKeptNewestFirstInPages() throws Exception {
    try (WebhookReceiver webhook = new WebhookReceiver(400)) {
      alertingKeySpendingPast(webhook.url(), "1, 2", 2);

      JsonNode both = eventuallyUndelivered(2);
      JsonNode newest = undelivered("?limit=1");
      JsonNode older = undelivered("?limit=1&before=" + newest.get(0).get("id").asLong());

      assertThat(webhook.requests()).as("one attempt each").isEqualTo(2);
      assertThat(both).allSatisfy(row -> assertThat(row.get("attempts").asInt()).isEqualTo(1));
      assertThat(both).allSatisfy(row -> assertThat(row.get("last_status").asInt()).isEqualTo(400));
      assertThat(newest).hasSize(1);
      assertThat(newest.get(0).get("id")).isEqualTo(both.get(0).get("id"));
      assertThat(older).hasSize(1);
      assertThat(older.get(0).get("id")).isEqualTo(both.get(1).get("id"));
      assertThat(both.get(0).get("id").asLong()).isGreaterThan(both.get(1).get("id").asLong());
    }
  }

  @Test
  void anUnreachableWebhookIsKeptAndTheAdminDeletesOneOrAll() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    alertingKeySpendingPast("http://127.0.0.1:" + closedPort + "/hook", "1, 2", 2);

    JsonNode rows = eventuallyUndelivered(2);
    long first = rows.get(0).get("id").asLong();

    assertThat(rows)
        .allSatisfy(
            row -> {
              assertThat(row.get("attempts").asInt()).isEqualTo(5);
              assertThat(row.get("last_status").isNull()).isTrue();
              assertThat(row.get("last_error").asText()).contains("ConnectException");
            });
    assertThat(pouch.admin("DELETE", UNDELIVERED + "/" + first, null).status()).isEqualTo(204);
    assertThat(pouch.admin("DELETE", UNDELIVERED + "/" + first, null).status()).isEqualTo(404);
    assertThat(undelivered("")).hasSize(1);
    TestPouch.Reply all = pouch.admin("DELETE", UNDELIVERED, null);
    assertThat(all.status()).isEqualTo(200);
    assertThat(all.body().get("deleted").asInt()).isEqualTo(1);
    assertThat(undelivered("")).isEmpty();
  }

  @Test
  void theUndeliveredNoticesNeedTheAdminTokenAndSaneParameters() throws IOException {
    assertThat(pouch.send("GET", UNDELIVERED, null, null).status()).isEqualTo(401);
    assertThat(pouch.send("DELETE", UNDELIVERED, "Bearer wrong", null).status()).isEqualTo(401);
    assertThat(pouch.admin("GET", UNDELIVERED + "?limit=0", null).status()).isEqualTo(400);
    assertThat(pouch.admin("GET", UNDELIVERED + "?before=x", null).status()).isEqualTo(400);
    assertThat(pouch.admin("DELETE", UNDELIVERED + "/x", null).status()).isEqualTo(400);
  }
}
