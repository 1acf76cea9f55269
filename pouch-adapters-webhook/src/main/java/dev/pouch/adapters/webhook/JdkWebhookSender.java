package dev.pouch.adapters.webhook;

import dev.pouch.application.port.out.UndeliveredNotices;
import dev.pouch.application.port.out.UndeliveredNotices.UndeliveredNotice;
import dev.pouch.application.port.out.WebhookSender;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link WebhookSender}: the JDK's HTTP client, one POST per attempt, retried with
 * backoff and jitter ({@link WebhookRetry}) when no answer came, or 429 or 5xx; another answer than
 * 2xx is final. A notice that is not delivered is kept in {@link UndeliveredNotices} (when given),
 * with the webhook's host, never its URL.
 *
 * <p>Nothing blocks the caller: sends are asynchronous, waits between attempts are scheduled, and
 * store writes run on the sender's threads. Memory is bounded: at most {@value #MAX_PENDING}
 * notices are on their way at once (waits included); a notice beyond that is kept as undeliverable
 * at once (at most {@value #MAX_PENDING} such writes wait), or counted as lost. Notices still on
 * their way when the sender closes are kept.
 */
public final class JdkWebhookSender implements WebhookSender {
  static final int MAX_PENDING = 256;
  private static final Logger log = LoggerFactory.getLogger(JdkWebhookSender.class);

  private final ExecutorService executor;
  private final ScheduledExecutorService timer;
  private final HttpClient client;
  private final Semaphore pending = new Semaphore(MAX_PENDING);
  private final Semaphore overflowWrites = new Semaphore(MAX_PENDING);
  private final Set<Delivery> onTheirWay = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final UndeliveredNotices kept;
  private final WebhookRetry retry;
  private final Clock clock;
  private final Consumer<WebhookOutcome> outcomes;

  /** Default retries; undeliverable notices are only logged. */
  public JdkWebhookSender() {
    this(null, WebhookRetry.DEFAULT, Clock.systemUTC(), outcome -> {});
  }

  /**
   * @param kept where undeliverable notices are kept, or {@code null} to only log them
   * @param retry how attempts are repeated
   * @param clock the times stored with undeliverable notices
   * @param outcomes told of each outcome (metrics); must be quick and never throw
   */
  public JdkWebhookSender(
      UndeliveredNotices kept, WebhookRetry retry, Clock clock, Consumer<WebhookOutcome> outcomes) {
    this.kept = kept;
    this.retry = Objects.requireNonNull(retry, "retry");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.outcomes = Objects.requireNonNull(outcomes, "outcomes");
    this.executor = Executors.newFixedThreadPool(2, daemon("pouch-webhooks"));
    this.timer = Executors.newSingleThreadScheduledExecutor(daemon("pouch-webhooks-retry"));
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(retry.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor)
            .build();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public void send(URI url, String json) {
    send(new Notice(url, null, null, json));
  }

  @Override
  public void send(Notice notice) {
    Instant now = clock.instant();
    if (closed.get() || !pending.tryAcquire()) {
      Delivery refused = new Delivery(notice, now);
      refused.failed(null, closed.get() ? "webhook sender closed" : "webhook queue full");
      refused.finish();
      keepLater(refused, now);
      return;
    }
    Delivery delivery = new Delivery(notice, now);
    onTheirWay.add(delivery);
    attempt(delivery);
  }

  private void attempt(Delivery delivery) {
    delivery.attempt();
    URI url = delivery.notice().url();
    try {
      HttpRequest request =
          HttpRequest.newBuilder(url)
              .timeout(retry.timeout())
              .header("Content-Type", "application/json")
              .header("User-Agent", "pouch-webhooks")
              .POST(HttpRequest.BodyPublishers.ofString(delivery.notice().json()))
              .build();
      client
          .sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .whenCompleteAsync(
              (response, failure) -> {
                if (failure != null) {
                  delivery.failed(null, Hosts.describe(failure, url));
                  retryOrKeep(delivery);
                } else {
                  answered(delivery, response.statusCode());
                }
              },
              executor);
    } catch (RuntimeException refused) { // a closed executor, a URL the client cannot send to
      delivery.failed(null, Hosts.describe(refused, url));
      keepLater(delivery);
    }
  }

  private void answered(Delivery delivery, int status) {
    if (status >= 200 && status < 300) {
      if (finish(delivery)) {
        outcomes.accept(WebhookOutcome.DELIVERED);
      }
      return;
    }
    delivery.failed(status, "HTTP " + status);
    if (status == 429 || status >= 500) {
      retryOrKeep(delivery);
    } else {
      keep(delivery); // another answer would be the same: the webhook refuses this notice
    }
  }

  private void retryOrKeep(Delivery delivery) {
    int next = delivery.attempts() + 1;
    if (next > retry.maxAttempts() || closed.get()) {
      keep(delivery);
      return;
    }
    Duration wait = retry.backoffBefore(next, ThreadLocalRandom.current().nextDouble());
    try {
      timer.schedule(() -> attempt(delivery), wait.toNanos(), TimeUnit.NANOSECONDS);
      outcomes.accept(WebhookOutcome.RETRIED);
    } catch (RejectedExecutionException closing) {
      keep(delivery); // close() keeps it too, unless this keeps it first
    }
  }

  private boolean finish(Delivery delivery) {
    if (!delivery.finish()) {
      return false;
    }
    onTheirWay.remove(delivery);
    pending.release();
    return true;
  }

  /** Keeps a delivery that has failed for good, on the calling sender thread. */
  private void keep(Delivery delivery) {
    if (finish(delivery)) {
      store(delivery.undelivered(clock.instant()));
    }
  }

  /** Keeps a failed delivery from a thread that must not wait for the store (a request's). */
  private void keepLater(Delivery delivery) {
    if (finish(delivery)) {
      keepLater(delivery, clock.instant());
    }
  }

  private void keepLater(Delivery finished, Instant now) {
    UndeliveredNotice row = finished.undelivered(now);
    if (kept == null || closed.get() || !overflowWrites.tryAcquire()) {
      lost(row, "too many notices waiting to be kept");
      return;
    }
    try {
      executor.execute(
          () -> {
            try {
              store(row);
            } finally {
              overflowWrites.release();
            }
          });
    } catch (RejectedExecutionException closing) {
      overflowWrites.release();
      lost(row, "webhook sender closed");
    }
  }

  private void store(UndeliveredNotice row) {
    if (kept == null) {
      lost(row, "no store for undelivered notices");
      return;
    }
    try {
      long id = kept.record(row);
      outcomes.accept(WebhookOutcome.KEPT);
      log.atWarn()
          .addKeyValue("url_host", row.urlHost())
          .addKeyValue("type", row.type())
          .addKeyValue("key_id", row.keyId())
          .addKeyValue("attempts", row.attempts())
          .addKeyValue("status", row.lastStatus())
          .addKeyValue("error", row.lastError())
          .addKeyValue("undelivered_id", id)
          .log("webhook notice not delivered; kept");
    } catch (RuntimeException storeFailed) {
      lost(row, storeFailed.toString());
    }
  }

  private void lost(UndeliveredNotice row, String why) {
    outcomes.accept(WebhookOutcome.LOST);
    log.atWarn()
        .addKeyValue("url_host", row.urlHost())
        .addKeyValue("type", row.type())
        .addKeyValue("key_id", row.keyId())
        .addKeyValue("attempts", row.attempts())
        .addKeyValue("status", row.lastStatus())
        .addKeyValue("error", row.lastError())
        .addKeyValue("why", why)
        .log("webhook notice not delivered; lost");
  }

  /**
   * Stops sending. Notices on their way (sent, or waiting for a retry) are kept as undeliverable
   * before this returns, so close it before the store.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    timer.shutdownNow();
    executor.shutdownNow();
    for (Delivery delivery : List.copyOf(onTheirWay)) {
      if (delivery.attempts() == 0) {
        delivery.failed(null, "webhook sender closed");
      }
      keep(delivery);
    }
  }
}
