package dev.pouch.adapters.webhook;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A webhook on loopback over real HTTP that answers the statuses it is given, one per request, then
 * the last one forever; it records every request it received.
 */
final class ScriptedWebhook implements AutoCloseable {
  private final HttpServer server;
  private final BlockingQueue<Integer> script = new LinkedBlockingQueue<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile int last;
  private volatile boolean hang;

  ScriptedWebhook(Integer... statuses) {
    script.addAll(List.of(statuses));
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/hook",
        exchange -> {
          try (exchange) {
            String body =
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(
                exchange.getRequestMethod()
                    + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type")
                    + " "
                    + body);
            if (hang) {
              released.await();
            }
            Integer next = script.poll();
            int status = next == null ? last : next;
            last = status;
            exchange.sendResponseHeaders(status, -1);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    server.start();
  }

  /** Answers nothing until closed. */
  ScriptedWebhook hanging() {
    hang = true;
    return this;
  }

  URI url(String query) {
    return URI.create(
        "http://127.0.0.1:"
            + server.getAddress().getPort()
            + "/hook"
            + (query == null ? "" : query));
  }

  List<String> requests() {
    return requests;
  }

  @Override
  public void close() {
    released.countDown();
    server.stop(0);
  }
}
