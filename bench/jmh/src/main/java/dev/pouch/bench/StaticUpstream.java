package dev.pouch.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An in-process OpenAI upstream on 127.0.0.1 that answers every chat request with the same
 * pre-rendered bytes: a plain answer, or (for {@code "stream":true}) an SSE stream of {@code
 * contentChunks} one-word chunks plus OpenAI's role, finish and usage chunks and {@code [DONE]}. As
 * cheap as an upstream can be, so that what a benchmark measures is the client side.
 */
final class StaticUpstream implements AutoCloseable {
  static {
    // The JDK's HTTP server leaves Nagle's algorithm on: a body written after its headers would
    // wait for the client's delayed ACK.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final byte[] plain;
  private final byte[] stream;

  StaticUpstream(int contentChunks) {
    this.plain = plainAnswer().getBytes(StandardCharsets.UTF_8);
    this.stream = sse(contentChunks).getBytes(StandardCharsets.UTF_8);
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 512);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    executor = Executors.newFixedThreadPool(8);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  /** The stream's bytes, as sent. */
  byte[] streamBytes() {
    return stream.clone();
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    boolean streaming = new String(body, StandardCharsets.UTF_8).contains("\"stream\":true");
    if (streaming) {
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
      exchange.sendResponseHeaders(200, stream.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(stream);
      }
    } else {
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, plain.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(plain);
      }
    }
    exchange.close();
  }

  private static final String ID = "\"id\":\"chatcmpl-bench\",\"created\":1767225600,";

  private static String plainAnswer() {
    return "{"
        + ID
        + "\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello from the static upstream.\"},"
        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":460,\"completion_tokens\":7,"
        + "\"total_tokens\":467}}";
  }

  /** OpenAI's shape with {@code include_usage}: every chunk has {@code "usage":null}. */
  private static String sse(int contentChunks) {
    StringBuilder out = new StringBuilder();
    String head =
        "data: {" + ID + "\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",";
    out.append(head)
        .append("\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},")
        .append("\"finish_reason\":null}],\"usage\":null}\n\n");
    for (int i = 1; i <= contentChunks; i++) {
      out.append(head)
          .append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\" word")
          .append(i)
          .append("\"},\"finish_reason\":null}],\"usage\":null}\n\n");
    }
    out.append(head)
        .append("\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],")
        .append("\"usage\":null}\n\n");
    out.append(head)
        .append("\"choices\":[],\"usage\":{\"prompt_tokens\":460,\"completion_tokens\":")
        .append(contentChunks * 2)
        .append(",\"total_tokens\":")
        .append(460 + contentChunks * 2)
        .append("}}\n\n");
    out.append("data: [DONE]\n\n");
    return out.toString();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
