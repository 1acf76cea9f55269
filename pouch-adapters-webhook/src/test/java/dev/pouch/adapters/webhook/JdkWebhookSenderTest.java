package dev.pouch.adapters.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.fakes.InMemoryUndeliveredNotices;
import dev.pouch.application.port.out.UndeliveredNotices.Kept;
import dev.pouch.application.port.out.UndeliveredNotices.UndeliveredNotice;
import dev.pouch.application.port.out.WebhookSender.Notice;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The sender over real HTTP: retries, what it keeps, and that it never holds its caller. */
class JdkWebhookSenderTest {
  private static final WebhookRetry FAST =
      new WebhookRetry(5, Duration.ofMillis(10), Duration.ofSeconds(5));
  private static final String NOTICE = "{\"type\":\"budget_alert\",\"key_id\":\"key_1\"}";

  private final InMemoryUndeliveredNotices kept = new InMemoryUndeliveredNotices();
  private final Map<WebhookOutcome, AtomicLong> outcomes = new ConcurrentHashMap<>();
  private ScriptedWebhook webhook;
  private JdkWebhookSender sender;

  private JdkWebhookSender sender(WebhookRetry retry) {
    sender =
        new JdkWebhookSender(
            kept,
            retry,
            Clock.systemUTC(),
            outcome -> outcomes.computeIfAbsent(outcome, o -> new AtomicLong()).incrementAndGet());
    return sender;
  }

  private static Notice notice(URI url) {
    return new Notice(url, "budget_alert", "key_1", NOTICE);
  }

  private long count(WebhookOutcome outcome) {
    return outcomes.getOrDefault(outcome, new AtomicLong()).get();
  }

  private List<Kept> keptNotices() {
    return kept.list(null, 1000);
  }

  private static void eventually(String what, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 15 s: " + what);
      }
      Thread.sleep(5);
    }
  }

  @AfterEach
  void stop() {
    if (sender != null) {
      sender.close();
    }
    if (webhook != null) {
      webhook.close();
    }
  }

  @Test
  void postsTheNoticeAsJson() throws InterruptedException {
    webhook = new ScriptedWebhook(204);

    sender(FAST).send(webhook.url(null), "{\"event\":\"spend_guard.tripped\"}");

    eventually("delivered", () -> count(WebhookOutcome.DELIVERED) == 1);
    assertThat(webhook.requests())
        .containsExactly("POST application/json {\"event\":\"spend_guard.tripped\"}");
  }

  @Test
  void aWebhookAnswering503TwiceGetsTheNoticeOnTheThirdAttemptAndNothingIsKept()
      throws InterruptedException {
    webhook = new ScriptedWebhook(503, 503, 200);

    sender(FAST).send(notice(webhook.url(null)));

    eventually("delivered", () -> count(WebhookOutcome.DELIVERED) == 1);
    Thread.sleep(100); // a wrong extra attempt would come within the backoff
    assertThat(webhook.requests()).hasSize(3);
    assertThat(count(WebhookOutcome.RETRIED)).isEqualTo(2);
    assertThat(keptNotices()).isEmpty();
  }

  @Test
  void a429IsRetriedLikeA5xx() throws InterruptedException {
    webhook = new ScriptedWebhook(429, 204);

    sender(FAST).send(notice(webhook.url(null)));

    eventually("delivered", () -> count(WebhookOutcome.DELIVERED) == 1);
    assertThat(webhook.requests()).hasSize(2);
  }

  @Test
  void aWebhookThatAlwaysFailsIsTriedEveryAttemptThenTheNoticeIsKeptWithItsHostTypeAndKey()
      throws InterruptedException {
    webhook = new ScriptedWebhook(500);
    URI url = webhook.url("?token=s3cret");

    sender(FAST).send(notice(url));

    eventually("kept", () -> keptNotices().size() == 1);
    UndeliveredNotice notice = keptNotices().get(0).notice();
    assertThat(webhook.requests()).hasSize(FAST.maxAttempts());
    assertThat(notice.attempts()).isEqualTo(FAST.maxAttempts());
    assertThat(notice.lastStatus()).isEqualTo(500);
    assertThat(notice.lastError()).isEqualTo("HTTP 500");
    assertThat(notice.urlHost()).isEqualTo("127.0.0.1:" + url.getPort());
    assertThat(notice.type()).isEqualTo("budget_alert");
    assertThat(notice.keyId()).isEqualTo("key_1");
    assertThat(notice.payload()).isEqualTo(NOTICE);
    assertThat(notice.lastAttemptAt()).isAfterOrEqualTo(notice.firstAttemptAt());
    assertThat(notice.toString()).as("the URL's query may hold a token").doesNotContain("s3cret");
    assertThat(count(WebhookOutcome.KEPT)).isEqualTo(1);
  }

  @Test
  void a400IsNotRetriedAndTheNoticeIsKept() throws InterruptedException {
    webhook = new ScriptedWebhook(400);

    sender(FAST).send(notice(webhook.url(null)));

    eventually("kept", () -> keptNotices().size() == 1);
    Thread.sleep(100);
    assertThat(webhook.requests()).hasSize(1);
    assertThat(keptNotices().get(0).notice().attempts()).isEqualTo(1);
    assertThat(keptNotices().get(0).notice().lastStatus()).isEqualTo(400);
    assertThat(count(WebhookOutcome.RETRIED)).isZero();
  }

  @Test
  void anUnreachableWebhookIsRetriedThenKeptWithTheErrorButNotTheUrl()
      throws InterruptedException, IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    URI url = URI.create("http://127.0.0.1:" + closedPort + "/hook?token=s3cret");

    sender(FAST).send(notice(url));

    eventually("kept", () -> keptNotices().size() == 1);
    UndeliveredNotice notice = keptNotices().get(0).notice();
    assertThat(notice.attempts()).isEqualTo(FAST.maxAttempts());
    assertThat(notice.lastStatus()).isNull();
    assertThat(notice.lastError()).contains("ConnectException").doesNotContain("s3cret");
    assertThat(count(WebhookOutcome.RETRIED)).isEqualTo(FAST.maxAttempts() - 1);
  }

  @Test
  void sendingNeverWaitsAndWhatOverflowsTheQueueIsKeptAtOnce() throws InterruptedException {
    webhook = new ScriptedWebhook(204).hanging();
    JdkWebhookSender hung = sender(new WebhookRetry(1, Duration.ZERO, Duration.ofSeconds(30)));
    int overflow = 10;

    long started = System.nanoTime();
    for (int i = 0; i < JdkWebhookSender.MAX_PENDING + overflow; i++) {
      hung.send(notice(webhook.url(null)));
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(took).as("sends only queue").isLessThan(Duration.ofSeconds(3));
    eventually("overflow kept", () -> keptNotices().size() == overflow);
    assertThat(keptNotices())
        .allSatisfy(
            k -> {
              assertThat(k.notice().attempts()).isZero();
              assertThat(k.notice().lastError()).isEqualTo("webhook queue full");
            });
  }

  @Test
  void noticesWaitingForARetryAreKeptWhenTheSenderCloses() throws InterruptedException {
    webhook = new ScriptedWebhook(503);
    JdkWebhookSender slow = sender(new WebhookRetry(5, Duration.ofHours(1), Duration.ofSeconds(5)));
    slow.send(notice(webhook.url(null)));
    eventually("retry scheduled", () -> count(WebhookOutcome.RETRIED) == 1);

    slow.close();

    assertThat(keptNotices()).hasSize(1);
    assertThat(keptNotices().get(0).notice().attempts()).isEqualTo(1);
    assertThat(keptNotices().get(0).notice().lastStatus()).isEqualTo(503);
  }

  @Test
  void withoutAStoreAnUndeliverableNoticeIsCountedAsLost() throws InterruptedException {
    webhook = new ScriptedWebhook(400);
    sender =
        new JdkWebhookSender(
            null,
            FAST,
            Clock.systemUTC(),
            outcome -> outcomes.computeIfAbsent(outcome, o -> new AtomicLong()).incrementAndGet());

    sender.send(notice(webhook.url(null)));

    eventually("lost", () -> count(WebhookOutcome.LOST) == 1);
  }
}
