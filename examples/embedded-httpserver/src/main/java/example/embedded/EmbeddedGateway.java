package example.embedded;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pouch.adapters.mock.MockProviderFactory;
import dev.pouch.adapters.sqlite.SqliteStore;
import dev.pouch.adapters.webhook.JdkWebhookSender;
import dev.pouch.application.Pouch;
import dev.pouch.application.middlewares.BuiltinMiddlewares;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.ResponseStream;
import dev.pouch.domain.error.RequestRejectedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Pouch's core inside an application that serves HTTP with the JDK's own {@link HttpServer}: no
 * Javalin, no Pouch server. The application wires the stores and providers it wants, mounts one
 * route, and copies Pouch's responses — complete or streamed — to the exchange.
 */
public final class EmbeddedGateway implements AutoCloseable {
  private static final long MAX_BODY_BYTES = 4 * 1024 * 1024;

  private final SqliteStore store;
  private final JdkWebhookSender webhooks;
  private final Pouch pouch;
  private final HttpServer server;
  private final ExecutorService threads;
  private final ObjectMapper json =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS) // prices stay exact
          .build();

  private EmbeddedGateway(
      SqliteStore store, JdkWebhookSender webhooks, Pouch pouch, HttpServer server) {
    this.store = store;
    this.webhooks = webhooks;
    this.pouch = pouch;
    this.server = server;
    // streams hold their thread while they last: one thread per exchange
    this.threads = Executors.newCachedThreadPool();
  }

  /**
   * Opens (or creates) the SQLite ledger at {@code databaseFile}, wires Pouch with the mock
   * provider and the built-in middlewares, and serves {@code POST /v1/chat/completions} on {@code
   * port} of the loopback interface (0 picks a free port).
   */
  public static EmbeddedGateway start(Path databaseFile, int port) throws IOException {
    SqliteStore store = SqliteStore.open(databaseFile);
    JdkWebhookSender webhooks = new JdkWebhookSender();
    Pouch pouch =
        Pouch.builder()
            .keys(store)
            .ledger(store)
            .requestLog(store)
            .provider(new MockProviderFactory())
            .middlewares(BuiltinMiddlewares.all())
            .webhooks(webhooks)
            .build();
    pouch.recoverOpenReservations(); // settle what a crash left open, before serving
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    EmbeddedGateway gateway = new EmbeddedGateway(store, webhooks, pouch, server);
    server.setExecutor(gateway.threads);
    server.createContext("/v1/chat/completions", gateway::chatCompletions);
    server.start();
    return gateway;
  }

  /** The core, for the application's own use: key management, the request log. */
  public Pouch pouch() {
    return pouch;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void chatCompletions(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      ProxyResponse response =
          pouch
              .proxy()
              .serveChatCompletions(
                  exchange.getRequestHeaders().getFirst("Authorization"),
                  () -> parse(exchange.getRequestBody()),
                  exchange.getRequestHeaders().getFirst("x-request-id"));
      response.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
      if (response instanceof ProxyResponse.Streaming) {
        stream(exchange, (ProxyResponse.Streaming) response);
      } else {
        byte[] body = ((ProxyResponse.Complete) response).body();
        exchange.sendResponseHeaders(response.status(), body.length);
        exchange.getResponseBody().write(body);
      }
    }
  }

  /**
   * Copies a stream chunk by chunk, flushing each (server-sent events must not wait in a buffer).
   * Closing the stream settles the request's budget, also when the client went away mid-stream.
   */
  private static void stream(HttpExchange exchange, ProxyResponse.Streaming response) {
    try (ResponseStream stream = response.stream()) {
      exchange.sendResponseHeaders(response.status(), 0); // 0 = chunked
      OutputStream out = exchange.getResponseBody();
      for (byte[] chunk = stream.next(); chunk != null; chunk = stream.next()) {
        out.write(chunk);
        out.flush();
      }
    } catch (IOException clientGone) {
      // the stream is closed (and settled) by try-with-resources; nothing more to send
    }
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> parse(InputStream body) {
    try {
      byte[] bytes = body.readNBytes((int) MAX_BODY_BYTES + 1);
      if (bytes.length > MAX_BODY_BYTES) {
        throw RequestRejectedException.invalidRequest(null, "The request body is too large.");
      }
      Object parsed = json.readValue(bytes, Object.class);
      if (!(parsed instanceof Map)) {
        throw RequestRejectedException.invalidRequest(null, "The body must be a JSON object.");
      }
      return (Map<String, Object>) parsed;
    } catch (JsonProcessingException malformed) {
      throw RequestRejectedException.invalidRequest(null, "The body is not valid JSON.");
    } catch (IOException unreadable) {
      throw RequestRejectedException.invalidRequest(null, "The body could not be read.");
    }
  }

  /**
   * Stops serving, then releases the core (its plugin instances), the webhook sender and the store.
   */
  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
    pouch.close();
    webhooks.close();
    store.close();
  }
}
