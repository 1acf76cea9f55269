package dev.pouch.adapters.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JdkWebhookSenderTest {
  private final BlockingQueue<String> received = new ArrayBlockingQueue<>(10);
  private HttpServer server;
  private JdkWebhookSender sender;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/hook",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          received.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestHeaders().getFirst("Content-Type")
                  + " "
                  + body);
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    server.start();
    sender = new JdkWebhookSender();
  }

  @AfterEach
  void stop() {
    sender.close();
    server.stop(0);
  }

  @Test
  void postsTheNoticeAsJson() throws InterruptedException {
    URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");

    sender.send(url, "{\"event\":\"spend_guard.tripped\"}");

    assertThat(received.poll(10, TimeUnit.SECONDS))
        .isEqualTo("POST application/json {\"event\":\"spend_guard.tripped\"}");
  }

  @Test
  void anUnreachableWebhookNeitherThrowsNorBlocks() {
    URI closedPort = URI.create("http://127.0.0.1:1/hook");

    for (int i = 0; i < JdkWebhookSender.MAX_PENDING + 10; i++) {
      sender.send(closedPort, "{}");
    }
  }
}
