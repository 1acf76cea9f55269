package dev.pouch.adapters.webhook;

import dev.pouch.application.port.out.WebhookSender;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link WebhookSender}: the JDK's HTTP client, one POST per notice, a few seconds of
 * timeout, no retries. At most {@value #MAX_PENDING} notices wait at once; more are dropped and
 * logged, so a dead webhook cannot pile up memory under a runaway loop.
 */
public final class JdkWebhookSender implements WebhookSender {
  static final int MAX_PENDING = 256;
  private static final Logger log = LoggerFactory.getLogger(JdkWebhookSender.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final ExecutorService executor;
  private final HttpClient client;
  private final Semaphore pending = new Semaphore(MAX_PENDING);

  public JdkWebhookSender() {
    this.executor =
        Executors.newFixedThreadPool(
            2,
            runnable -> {
              Thread thread = new Thread(runnable, "pouch-webhooks");
              thread.setDaemon(true);
              return thread;
            });
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor)
            .build();
  }

  @Override
  public void send(URI url, String json) {
    if (!pending.tryAcquire()) {
      log.atWarn().addKeyValue("url_host", url.getHost()).log("webhook queue full; notice dropped");
      return;
    }
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .header("User-Agent", "pouch-webhooks")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    try {
      client
          .sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .whenComplete(
              (response, failure) -> {
                pending.release();
                if (failure != null || response.statusCode() >= 300) {
                  log.atWarn()
                      .addKeyValue("url_host", url.getHost())
                      .addKeyValue("status", response == null ? null : response.statusCode())
                      .addKeyValue("error", failure == null ? null : failure.toString())
                      .log("webhook notice not delivered");
                }
              });
    } catch (RuntimeException rejected) {
      pending.release();
      log.atWarn()
          .addKeyValue("url_host", url.getHost())
          .addKeyValue("error", rejected.toString())
          .log("webhook notice not sent");
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
