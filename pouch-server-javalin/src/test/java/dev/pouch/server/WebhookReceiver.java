package dev.pouch.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP endpoint on loopback that collects the JSON notices POSTed to it. It answers the
 * statuses it was given, one per request and then the last one for good (204 when given none); a
 * notice answered with 2xx is collected, every request is counted.
 */
final class WebhookReceiver implements AutoCloseable {
  private final HttpServer server;
  private final BlockingQueue<JsonNode> notices = new LinkedBlockingQueue<>();
  private final BlockingQueue<Integer> statuses = new LinkedBlockingQueue<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final ObjectMapper json = new ObjectMapper();
  private volatile int lastStatus = 204;

  WebhookReceiver(Integer... answers) {
    statuses.addAll(List.of(answers));
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/hook",
        exchange -> {
          try (exchange) {
            JsonNode notice = json.readTree(exchange.getRequestBody());
            requests.incrementAndGet();
            Integer next = statuses.poll();
            int status = next == null ? lastStatus : next;
            lastStatus = status;
            if (status >= 200 && status < 300) {
              notices.add(notice);
            }
            exchange.sendResponseHeaders(status, -1);
          }
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  /** Requests received so far, whatever they were answered. */
  int requests() {
    return requests.get();
  }

  /** Waits (up to 10 s) for the next notice. */
  JsonNode next() throws InterruptedException {
    JsonNode notice = notices.poll(10, TimeUnit.SECONDS);
    if (notice == null) {
      throw new AssertionError("no webhook notice arrived within 10 s");
    }
    return notice;
  }

  /** Notices that arrived so far, without waiting. */
  List<JsonNode> drain() {
    List<JsonNode> arrived = new ArrayList<>();
    notices.drainTo(arrived);
    return arrived;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
