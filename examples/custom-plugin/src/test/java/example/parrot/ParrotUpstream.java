package example.parrot;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A Parrot service on loopback for the tests: answers "Polly says" and then the prompt's words,
 * repeated until {@code max_words}, honestly counted.
 */
final class ParrotUpstream implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();

  private ParrotUpstream(HttpServer server) {
    this.server = server;
  }

  static ParrotUpstream start() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ParrotUpstream upstream = new ParrotUpstream(server);
    server.setExecutor(upstream.executor);
    server.createContext("/complete", upstream::complete);
    server.start();
    return upstream;
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void complete(HttpExchange exchange) throws IOException {
    String query = exchange.getRequestURI().getQuery();
    long maxWords = Long.parseLong(param(query, "max_words"));
    boolean stream = "1".equals(param(query, "stream"));
    List<String> prompt =
        ParrotProvider.words(
            new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    List<String> answer = answer(prompt, maxWords);
    try (OutputStream out = exchange.getResponseBody()) {
      if (stream) {
        exchange.sendResponseHeaders(200, 0);
        for (String word : answer) {
          out.write((word + "\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
        out.write(
            ("#usage " + prompt.size() + " " + answer.size() + "\n")
                .getBytes(StandardCharsets.UTF_8));
      } else {
        byte[] body = String.join(" ", answer).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("X-Prompt-Words", Integer.toString(prompt.size()));
        exchange.getResponseHeaders().add("X-Output-Words", Integer.toString(answer.size()));
        exchange.sendResponseHeaders(200, body.length);
        out.write(body);
      }
    }
  }

  private static List<String> answer(List<String> prompt, long maxWords) {
    List<String> words = new ArrayList<>(List.of("Polly", "says"));
    for (int i = 0; words.size() < 40 && !prompt.isEmpty(); i++) {
      words.add(prompt.get(i % prompt.size()));
    }
    return words.subList(0, (int) Math.min(words.size(), maxWords));
  }

  private static String param(String query, String name) {
    for (String pair : query.split("&")) {
      if (pair.startsWith(name + "=")) {
        return pair.substring(name.length() + 1);
      }
    }
    throw new IllegalArgumentException("missing " + name);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
