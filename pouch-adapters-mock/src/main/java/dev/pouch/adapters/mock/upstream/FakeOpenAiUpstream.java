package dev.pouch.adapters.mock.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pouch.adapters.mock.GeneratedAnswer;
import dev.pouch.adapters.mock.MockCompletion;
import dev.pouch.adapters.mock.MockEmbeddings;
import dev.pouch.adapters.mock.MockResponse;
import dev.pouch.adapters.mock.MockStream;
import dev.pouch.adapters.mock.MockTextCompletion;
import dev.pouch.adapters.mock.OpenAiJson;
import dev.pouch.domain.error.ErrorJson;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.CompletionRequest;
import dev.pouch.domain.provider.EmbeddingsRequest;
import dev.pouch.domain.provider.ResponsesRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fake OpenAI server over real HTTP ({@code 127.0.0.1}), standing in for "OpenAI itself" in tests
 * and benchmarks. It answers {@code POST /v1/chat/completions} and the legacy {@code POST
 * /v1/completions} (plain and streamed, with the mock's generation logic, see {@link
 * MockCompletion} and {@link MockTextCompletion}), {@code POST /v1/responses} (the Responses API,
 * plain and streamed, see {@link MockResponse}; a response it stored is continued by {@code
 * previous_response_id}, whose input and output it bills again as input, as OpenAI does), {@code
 * POST /v1/embeddings} and {@code GET /v1/models}, requires {@code Authorization: Bearer
 * <anything>}, and counts what it serves so a test can compare it with what Pouch charged. It also
 * answers as Azure OpenAI does: {@code /openai/deployments/{deployment}/chat/completions} (and
 * {@code …/completions}, {@code …/embeddings}) and {@code /openai/responses}, {@code
 * /openai/models}, each with {@code ?api-version=…} and the key in an {@code api-key} header.
 *
 * <p>Per-request overrides by header: {@code x-fake-latency-ms}, {@code x-fake-chunk-delay-ms},
 * {@code x-fake-ignore-max-tokens}, {@code x-fake-fail-after-chunks}, {@code x-fake-omit-usage},
 * {@code x-fake-hang} (see {@link FakeUpstreamSettings}) and {@code x-fake-status: 429|500} (any
 * 4xx/5xx: that status with an OpenAI error body). A stream that fails ({@code fail_after_chunks})
 * drops the connection without ending the chunked body, as a broken upstream would.
 *
 * <pre>{@code
 * try (FakeOpenAiUpstream openai = FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT)) {
 *   String baseUrl = openai.baseUrl(); // http://127.0.0.1:PORT/v1
 *   ...
 *   assertThat(openai.completionTokensSent()).isLessThanOrEqualTo(charged);
 * }
 * }</pre>
 */
public final class FakeOpenAiUpstream implements AutoCloseable {
  /** How many requests {@link #servedByRequest()} keeps a tally of (the most recent ones). */
  public static final int MAX_TALLIED_REQUESTS = 10_000;

  /** How many request bodies {@link #requestBodies()} keeps (the most recent ones). */
  public static final int MAX_RECORDED_BODIES = 100;

  /** The models {@code GET /v1/models} lists; chat accepts any model name. */
  public static final List<String> MODELS = List.of("mock-model", "gpt-4o-mini", "gpt-4.1");

  private static final Logger LOG = LoggerFactory.getLogger(FakeOpenAiUpstream.class);
  private static final String CHAT_PATH = "/v1/chat/completions";
  private static final String EMBEDDINGS_PATH = "/v1/embeddings";
  private static final String COMPLETIONS_PATH = "/v1/completions";
  private static final String RESPONSES_PATH = "/v1/responses";
  private static final String MODELS_PATH = "/v1/models";
  private static final String ORGANIZATION_PATH = "/v1/organization/";
  private static final String AZURE_ROOT = "/openai/";
  private static final String INVALID_REQUEST = "invalid_request_error";

  private final HttpServer server;
  private final int port;
  private final ExecutorService executor;
  private final FakeUpstreamSettings defaults;
  private final CountDownLatch closing = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();

  private final AtomicLong requestsReceived = new AtomicLong();
  private final AtomicLong promptTokens = new AtomicLong();
  private static final String NODELAY = "sun.net.httpserver.nodelay";
  private static final String VIRTUAL_THREADS = "pouch.fake.virtualThreads";

  private final AtomicLong completionTokensSent = new AtomicLong();
  private final AtomicLong streamsCompleted = new AtomicLong();
  private final AtomicLong streamsAborted = new AtomicLong();
  private final Deque<String> bodies = new ArrayDeque<>();

  /** Guarded by itself; the oldest request is forgotten past {@link #MAX_TALLIED_REQUESTS}. */
  private final Map<String, Tally> served =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tally> eldest) {
          return size() > MAX_TALLIED_REQUESTS;
        }
      };

  /**
   * Responses stored (not {@code store: false}) by id; the most recent {@link
   * #MAX_TALLIED_REQUESTS} (benchmarks make many).
   */
  private final Map<String, StoredAnswer> storedResponses =
      Collections.synchronizedMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, StoredAnswer> eldest) {
              return size() > MAX_TALLIED_REQUESTS;
            }
          });

  /**
   * A stored response: the input tokens a continuation adds, the response object as served, and the
   * request's input (for its input items).
   */
  private record StoredAnswer(long contextTokens, byte[] json, Object input) {}

  private final FakeBill bill = new FakeBill();
  private volatile String lastAuthorization;
  private volatile String lastDeployment;
  private volatile Set<Quirk> quirks = Set.of();
  private volatile JsonNode reportedUsage;
  private volatile Integer answeringStatus;

  /**
   * Ways this upstream misbehaves beyond {@link FakeUpstreamSettings}, for tests of what Pouch
   * charges when an upstream fails after it may have processed a request.
   */
  public enum Quirk {
    /** Answer every chat request with a {@code 307} to itself (a gateway must not follow it). */
    REDIRECT,
    /** Read the request (its prompt counts as served), then drop the connection unanswered. */
    DROP_AFTER_REQUEST,
    /** Send a 200 head (SSE or JSON), then drop the connection before any of the body. */
    BREAK_AFTER_HEAD,
    /**
     * End streams cleanly after the content chunks, without finish reasons, usage or {@code
     * [DONE]}: a stream that broke off without saying so.
     */
    UNFINISHED_STREAM,
    /** After three content chunks, send an error event and end the stream cleanly. */
    ERROR_EVENT,
    /**
     * Ignore the output limit and generate until the client goes away (at most {@link
     * MockCompletion#MAX_IGNORED_TOKENS}): how far past a cut such an upstream gets.
     */
    RUNAWAY
  }

  /**
   * What this upstream served one request, by its {@code X-Request-Id} (Pouch sends its own id).
   *
   * @param promptTokens the prompt tokens of the request, once it was read
   * @param completionTokens output tokens written and flushed to the client
   */
  public record Served(long promptTokens, long completionTokens) {}

  private static final class Tally {
    final AtomicLong prompt = new AtomicLong();
    final AtomicLong completion = new AtomicLong();
  }

  private FakeOpenAiUpstream(HttpServer server, ExecutorService executor, FakeUpstreamSettings s) {
    this.server = server;
    this.port = server.getAddress().getPort();
    this.executor = executor;
    this.defaults = s;
  }

  /**
   * Starts a server on {@code 127.0.0.1:port}.
   *
   * @param port the port, or 0 for an ephemeral one (see {@link #port()})
   * @param defaults how it answers unless a request's headers say otherwise
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static FakeOpenAiUpstream start(int port, FakeUpstreamSettings defaults) {
    // The JDK's server leaves Nagle's algorithm on: a body written after its headers then waits
    // for the client's delayed ACK (~40 ms per answer, every stream in one piece). Read once per
    // JVM, when the first server is made; an explicit setting wins.
    if (System.getProperty(NODELAY) == null) {
      System.setProperty(NODELAY, "true");
    }
    HttpServer server;
    try {
      server =
          HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 4096);
    } catch (IOException bindFailed) {
      throw new UncheckedIOException("cannot start the fake OpenAI upstream", bindFailed);
    }
    ExecutorService executor = Executors.newCachedThreadPool(threads());
    FakeOpenAiUpstream upstream = new FakeOpenAiUpstream(server, executor, defaults);
    server.setExecutor(executor);
    server.createContext("/", upstream::handle);
    server.start();
    LOG.info("fake OpenAI upstream listening on {}", upstream.baseUrl());
    return upstream;
  }

  /** Starts a server on an ephemeral port with {@link FakeUpstreamSettings#DEFAULT}. */
  public static FakeOpenAiUpstream start() {
    return start(0, FakeUpstreamSettings.DEFAULT);
  }

  /**
   * Virtual threads when {@code -Dpouch.fake.virtualThreads=true} asks for them on a JDK that has
   * them (21+): thousands of slow streams then need no platform thread each, so a benchmark of many
   * open streams measures the proxy, not this server's thread creation. Daemon platform threads
   * otherwise.
   */
  private static ThreadFactory threads() {
    if (Boolean.getBoolean(VIRTUAL_THREADS)) {
      try {
        // reflection: this module compiles for Java 17
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        return (ThreadFactory)
            Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
      } catch (ReflectiveOperationException olderJdk) {
        LOG.warn("{} asks for virtual threads, which this JDK lacks", VIRTUAL_THREADS);
      }
    }
    return daemonThreads();
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, "fake-openai-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * Runs a server until the process is stopped: {@code --port N --latency-ms N --chunk-delay-ms N
   * --response-text TEXT} (all optional; port 0 picks a free one). Prints the base URL once.
   */
  public static void main(String[] args) throws InterruptedException {
    int port = 0;
    FakeUpstreamSettings settings = FakeUpstreamSettings.DEFAULT;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + flag);
      }
      String value = args[++i];
      switch (flag) {
        case "--port" -> port = Integer.parseInt(value);
        case "--latency-ms" -> settings = settings.withLatencyMs(Long.parseLong(value));
        case "--chunk-delay-ms" -> settings = settings.withChunkDelayMs(Long.parseLong(value));
        case "--response-text" -> settings = settings.withResponseText(value);
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    FakeOpenAiUpstream upstream = start(port, settings);
    Runtime.getRuntime().addShutdownHook(new Thread(upstream::close, "fake-openai-shutdown"));
    System.out.println(upstream.baseUrl());
    upstream.awaitClose();
  }

  /** The bound port. */
  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:PORT/v1}, the base URL an OpenAI client is given. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  /** The settings requests get unless their headers override them. */
  public FakeUpstreamSettings defaults() {
    return defaults;
  }

  /** Requests received on the POST endpoints, refused ones included. */
  public long requestsReceived() {
    return requestsReceived.get();
  }

  /** Prompt tokens of the chat requests answered (by the mock's token rule). */
  public long promptTokens() {
    return promptTokens.get();
  }

  /**
   * Completion tokens written to clients: a plain answer's tokens once its body is written, a
   * stream's tokens one by one as their events are written and flushed.
   */
  public long completionTokensSent() {
    return completionTokensSent.get();
  }

  /** Streams that ended normally (after {@code [DONE]}). */
  public long streamsCompleted() {
    return streamsCompleted.get();
  }

  /** Streams whose client went away (a write failed). */
  public long streamsAborted() {
    return streamsAborted.get();
  }

  /** The most recent chat request bodies (at most {@value #MAX_RECORDED_BODIES}), oldest first. */
  public List<String> requestBodies() {
    synchronized (bodies) {
      return new ArrayList<>(bodies);
    }
  }

  /** The last chat request body received, if any. */
  public Optional<String> lastRequestBody() {
    synchronized (bodies) {
      return Optional.ofNullable(bodies.peekLast());
    }
  }

  /** The {@code Authorization} header of the last chat request, if any. */
  public Optional<String> lastAuthorization() {
    return Optional.ofNullable(lastAuthorization);
  }

  /** The Azure deployment the last request was posted to, if any. */
  public Optional<String> lastDeployment() {
    return Optional.ofNullable(lastDeployment);
  }

  /**
   * What was served to each request, by its {@code X-Request-Id}: the most recent {@value
   * #MAX_TALLIED_REQUESTS} requests (a benchmark sends millions).
   */
  public Map<String, Served> servedByRequest() {
    Map<String, Served> copy = new TreeMap<>();
    synchronized (served) {
      served.forEach(
          (id, tally) -> copy.put(id, new Served(tally.prompt.get(), tally.completion.get())));
    }
    return copy;
  }

  /**
   * What this upstream bills for the answers it served (chat, legacy completions, Responses), which
   * {@code GET /v1/organization/costs} and {@code /v1/organization/usage/completions} report: set
   * its prices, add drift or smaller pages there.
   */
  public FakeBill bill() {
    return bill;
  }

  /** Misbehaves from now on as {@code quirks} say (replacing earlier ones); none by default. */
  public FakeOpenAiUpstream withQuirks(Quirk... quirks) {
    this.quirks = Set.of(quirks);
    return this;
  }

  /**
   * Reports {@code usageJson} (any JSON, even not an object) as the usage of every answer from now
   * on, in a plain answer's {@code usage} and a stream's usage chunk; {@code null} goes back to the
   * true usage. What was really served is still counted.
   */
  public FakeOpenAiUpstream reportingUsage(String usageJson) {
    try {
      this.reportedUsage = usageJson == null ? null : OpenAiJson.MAPPER.readTree(usageJson);
    } catch (IOException notJson) {
      throw new IllegalArgumentException("not JSON: " + usageJson, notJson);
    }
    return this;
  }

  /**
   * Answers every POST from now on with {@code status} and an OpenAI error body, before any output,
   * as a rate-limited or overloaded upstream does; {@code null} answers normally again. The request
   * is still counted as received.
   */
  public FakeOpenAiUpstream answeringStatus(Integer status) {
    if (status != null && (status < 400 || status > 599)) {
      throw new IllegalArgumentException("not a 4xx or 5xx status: " + status);
    }
    this.answeringStatus = status;
    return this;
  }

  /** Sets every counter to zero and forgets the recorded bodies and the bill's lines. */
  public void resetCounters() {
    requestsReceived.set(0);
    promptTokens.set(0);
    completionTokensSent.set(0);
    streamsCompleted.set(0);
    streamsAborted.set(0);
    synchronized (served) {
      served.clear();
    }
    bill.clear();
    lastAuthorization = null;
    lastDeployment = null;
    synchronized (bodies) {
      bodies.clear();
    }
  }

  /** Blocks until {@link #close()} is called. */
  public void awaitClose() throws InterruptedException {
    closing.await();
  }

  /** Stops the server, drops open connections (hanging requests included), ends its threads. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closing.countDown();
    server.stop(0);
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("fake OpenAI upstream threads still running after close");
      }
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
    LOG.info("fake OpenAI upstream on port {} closed", port);
  }

  /** Whether every thread of this server has ended (tests: {@link #close()} waits up to 5 s). */
  boolean threadsEnded() {
    return executor.isTerminated();
  }

  /**
   * Routes one exchange. The exchange is closed (ending its body cleanly) only when the handling
   * succeeds; an exception reaches the server, which then drops the connection mid-body.
   */
  private void handle(HttpExchange exchange) throws IOException {
    String path = openAiPath(exchange);
    String method = exchange.getRequestMethod();
    if (path == null) {
      exchange.getRequestBody().readAllBytes();
      sendError(exchange, 404, "Resource not found", INVALID_REQUEST, "404");
      exchange.close();
      return;
    }
    if (CHAT_PATH.equals(path) && "POST".equals(method)) {
      chat(exchange);
    } else if (EMBEDDINGS_PATH.equals(path) && "POST".equals(method)) {
      embeddings(exchange);
    } else if (RESPONSES_PATH.equals(path) && "POST".equals(method)) {
      responses(exchange);
    } else if (COMPLETIONS_PATH.equals(path) && "POST".equals(method)) {
      completions(exchange);
    } else if (path.startsWith(RESPONSES_PATH + "/")) {
      exchange.getRequestBody().readAllBytes();
      if (authorized(exchange)) {
        storedResponse(exchange, method, path.substring(RESPONSES_PATH.length() + 1));
      }
    } else if (path.startsWith(ORGANIZATION_PATH) && "GET".equals(method)) {
      exchange.getRequestBody().readAllBytes();
      if (authorized(exchange)) {
        organizationReport(exchange, path.substring(ORGANIZATION_PATH.length()));
      }
    } else if (MODELS_PATH.equals(path) && "GET".equals(method)) {
      exchange.getRequestBody().readAllBytes();
      if (authorized(exchange)) {
        sendJson(exchange, 200, modelList());
      }
    } else {
      exchange.getRequestBody().readAllBytes();
      sendError(exchange, 404, "Invalid URL (" + method + " " + path + ")", INVALID_REQUEST, null);
    }
    exchange.close();
  }

  /**
   * A stored response's {@code GET}, {@code DELETE}, {@code GET …/input_items} or {@code POST
   * …/cancel} (only background responses can be cancelled, and this upstream makes none).
   */
  private void storedResponse(HttpExchange exchange, String method, String rest)
      throws IOException {
    String[] parts = rest.split("/", -1);
    StoredAnswer stored = storedResponses.get(parts[0]);
    String action = parts.length > 1 ? parts[1] : "";
    if (stored == null || parts.length > 2) {
      sendError(
          exchange,
          404,
          "No response found with id '" + parts[0] + "'.",
          INVALID_REQUEST,
          null,
          null);
      return;
    }
    if (action.isEmpty() && "GET".equals(method)) {
      sendJson(exchange, 200, stored.json());
    } else if (action.isEmpty() && "DELETE".equals(method)) {
      storedResponses.remove(parts[0]);
      ObjectNode deleted = OpenAiJson.MAPPER.createObjectNode();
      deleted.put("id", parts[0]).put("object", "response.deleted").put("deleted", true);
      sendJson(exchange, 200, OpenAiJson.bytes(deleted));
    } else if ("input_items".equals(action) && "GET".equals(method)) {
      sendJson(exchange, 200, inputItems(parts[0], stored.input()));
    } else if ("cancel".equals(action) && "POST".equals(method)) {
      sendError(
          exchange,
          400,
          "Only responses created with background set to true can be cancelled.",
          INVALID_REQUEST,
          null,
          null);
    } else {
      sendError(
          exchange,
          404,
          "Invalid URL (" + method + " /v1/responses/" + rest + ")",
          INVALID_REQUEST,
          null);
    }
  }

  /** The input items list of a stored response: its text input as one user message. */
  private static byte[] inputItems(String responseId, Object input) {
    ObjectNode list = OpenAiJson.MAPPER.createObjectNode();
    list.put("object", "list");
    ArrayNode data = list.putArray("data");
    if (input instanceof String text) {
      ObjectNode item = data.addObject();
      item.put("id", "msg_in_" + responseId).put("type", "message").put("role", "user");
      item.putArray("content").addObject().put("type", "input_text").put("text", text);
    } else if (input instanceof List<?> items) {
      int index = 0;
      for (Object entry : items) {
        ObjectNode item = OpenAiJson.MAPPER.valueToTree(entry);
        if (!item.has("id")) {
          item.put("id", "msg_in_" + index + "_" + responseId);
        }
        if (!item.has("type")) {
          item.put("type", "message");
        }
        data.add(item);
        index++;
      }
    }
    list.put("first_id", data.isEmpty() ? null : data.get(0).path("id").asText());
    list.put("last_id", data.isEmpty() ? null : data.get(data.size() - 1).path("id").asText());
    list.put("has_more", false);
    return OpenAiJson.bytes(list);
  }

  /** What every POST shares, once it was read and may be answered. */
  private record Received(byte[] raw, Tally tally, FakeUpstreamSettings settings) {}

  /**
   * Counts, records and tallies a POST, then checks its key and its header overrides (and hangs or
   * fails as they say). Null when it was already answered.
   */
  private Received receive(HttpExchange exchange) throws IOException {
    requestsReceived.incrementAndGet();
    byte[] raw = exchange.getRequestBody().readAllBytes();
    record(new String(raw, StandardCharsets.UTF_8));
    Tally tally = tally(exchange); // the request was received, even if it is never answered
    lastAuthorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (!authorized(exchange)) {
      return null;
    }
    FakeUpstreamSettings settings;
    Integer forcedStatus;
    try {
      settings = overridden(defaults, exchange.getRequestHeaders());
      Integer always = answeringStatus;
      forcedStatus = always != null ? always : forcedStatus(exchange.getRequestHeaders());
    } catch (IllegalArgumentException badHeader) {
      sendError(exchange, 400, badHeader.getMessage(), INVALID_REQUEST, null);
      return null;
    }
    if (settings.hang()) {
      hang();
    }
    if (forcedStatus != null) {
      sendForcedError(exchange, forcedStatus);
      return null;
    }
    return new Received(raw, tally, settings);
  }

  /** The request parsed by {@code parser}, or null when it was answered with OpenAI's 400. */
  private <T> T parse(HttpExchange exchange, byte[] raw, Function<Map<String, Object>, T> parser)
      throws IOException {
    try {
      return parser.apply(parseObject(raw));
    } catch (IOException | IllegalArgumentException malformed) {
      sendError(
          exchange,
          400,
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't"
              + " using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
          INVALID_REQUEST,
          null);
    } catch (RequestRejectedException invalid) {
      sendError(exchange, 400, invalid.getMessage(), INVALID_REQUEST, null, invalid.param());
    }
    return null;
  }

  /** {@code POST /v1/embeddings}: the mock's vectors, usage = the inputs' tokens. */
  private void embeddings(HttpExchange exchange) throws IOException {
    Received received = receive(exchange);
    if (received == null) {
      return;
    }
    EmbeddingsRequest request = parse(exchange, received.raw(), EmbeddingsRequest::of);
    if (request == null) {
      return;
    }
    long prompt = MockEmbeddings.promptTokens(request);
    promptTokens.addAndGet(prompt);
    received.tally().prompt.addAndGet(prompt);
    if (quirks.contains(Quirk.DROP_AFTER_REQUEST)) {
      throw new IOException("fake upstream drops the connection after reading the request");
    }
    pause(received.settings().latencyMs());
    sendJson(exchange, 200, withReportedUsage(MockEmbeddings.of(request).toJson()));
  }

  private void chat(HttpExchange exchange) throws IOException {
    Received received = receive(exchange);
    if (received == null) {
      return;
    }
    Tally tally = received.tally();
    FakeUpstreamSettings settings = received.settings();
    ChatRequest request = parse(exchange, received.raw(), ChatRequest::of);
    if (request == null) {
      return;
    }
    Set<Quirk> now = quirks;
    if (now.contains(Quirk.REDIRECT)) {
      exchange.getResponseHeaders().set("Location", baseUrl() + "/chat/completions");
      sendJson(exchange, 307, "{}".getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (now.contains(Quirk.RUNAWAY)) {
      request =
          request
              .with("max_completion_tokens", null)
              .with("max_tokens", MockCompletion.MAX_IGNORED_TOKENS);
      settings = settings.withIgnoreMaxTokens(true);
    }
    MockCompletion completion = MockCompletion.of(request, settings.behavior());
    serve(
        exchange,
        request.model(),
        tally,
        settings,
        now,
        completion,
        request.stream(),
        request.includeUsage());
  }

  /**
   * {@code POST /v1/completions}: a legacy {@code text_completion} (see {@link
   * MockTextCompletion}), plain or streamed, with chat's headers, quirks and tallies. Candidates
   * {@code best_of} generates beyond {@code n} are billed and counted as served, never sent.
   */
  private void completions(HttpExchange exchange) throws IOException {
    Received received = receive(exchange);
    if (received == null) {
      return;
    }
    FakeUpstreamSettings settings = received.settings();
    CompletionRequest request = parse(exchange, received.raw(), CompletionRequest::of);
    if (request == null) {
      return;
    }
    Set<Quirk> now = quirks;
    if (now.contains(Quirk.REDIRECT)) {
      exchange.getResponseHeaders().set("Location", baseUrl() + "/completions");
      sendJson(exchange, 307, "{}".getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (now.contains(Quirk.RUNAWAY)) {
      request = request.with("max_tokens", MockCompletion.MAX_IGNORED_TOKENS);
      settings = settings.withIgnoreMaxTokens(true);
    }
    MockTextCompletion completion = MockTextCompletion.of(request, settings.behavior());
    serve(
        exchange,
        request.model(),
        received.tally(),
        settings,
        now,
        completion,
        request.stream(),
        request.includeUsage());
  }

  /**
   * {@code POST /v1/responses}: the Responses API, plain (a {@code response} object) or streamed
   * (its typed events, see {@link MockResponse}), honouring {@code max_output_tokens} (the answer
   * then ends {@code incomplete}); usage always in the final response, unless omitted.
   */
  private void responses(HttpExchange exchange) throws IOException {
    Received received = receive(exchange);
    if (received == null) {
      return;
    }
    FakeUpstreamSettings settings = received.settings();
    ResponsesRequest request = parse(exchange, received.raw(), ResponsesRequest::of);
    if (request == null) {
      return;
    }
    Set<Quirk> now = quirks;
    if (now.contains(Quirk.REDIRECT)) {
      exchange.getResponseHeaders().set("Location", baseUrl() + "/responses");
      sendJson(exchange, 307, "{}".getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (now.contains(Quirk.RUNAWAY)) {
      request = request.with("max_output_tokens", MockCompletion.MAX_IGNORED_TOKENS);
      settings = settings.withIgnoreMaxTokens(true);
    }
    long context = 0;
    if (request.continues().isPresent()) {
      String previous = request.continues().get();
      StoredAnswer stored = storedResponses.get(previous);
      if (stored == null) {
        sendError(
            exchange,
            400,
            "Previous response with id '" + previous + "' not found.",
            INVALID_REQUEST,
            "previous_response_not_found",
            "previous_response_id");
        return;
      }
      context = stored.contextTokens();
    }
    MockResponse answer = MockResponse.of(request, settings.behavior()).continuing(context);
    if (request.stored()) {
      // before serving: a client may continue it as soon as it has read the answer
      storedResponses.put(
          answer.answerId().orElseThrow(),
          new StoredAnswer(
              answer.promptTokens() + answer.completionTokens(),
              answer.toJson(true),
              request.body().get("input")));
    }
    serve(
        exchange, request.model(), received.tally(), settings, now, answer, request.stream(), true);
  }

  /**
   * Answers with a generated {@code answer}, streamed or whole, misbehaving as {@code now} says;
   * its prompt is tallied once generated, its output as it is written.
   */
  private void serve(
      HttpExchange exchange,
      String model,
      Tally tally,
      FakeUpstreamSettings settings,
      Set<Quirk> now,
      GeneratedAnswer answer,
      boolean stream,
      boolean includeUsage)
      throws IOException {
    promptTokens.addAndGet(answer.promptTokens());
    tally.prompt.addAndGet(answer.promptTokens());
    long outputBefore = tally.completion.get();
    try {
      answer(exchange, tally, settings, now, answer, stream, includeUsage);
    } finally {
      // billed as OpenAI bills: the prompt once read, the output generated for this client
      bill.served(
          model,
          answer.promptTokens(),
          0,
          0,
          0,
          tally.completion.get() - outputBefore,
          Instant.now());
    }
  }

  private void answer(
      HttpExchange exchange,
      Tally tally,
      FakeUpstreamSettings settings,
      Set<Quirk> now,
      GeneratedAnswer answer,
      boolean stream,
      boolean includeUsage)
      throws IOException {
    if (now.contains(Quirk.DROP_AFTER_REQUEST)) {
      throw new IOException("fake upstream drops the connection after reading the request");
    }
    if (now.contains(Quirk.BREAK_AFTER_HEAD)) {
      exchange
          .getResponseHeaders()
          .set("Content-Type", stream ? "text/event-stream" : "application/json");
      exchange.sendResponseHeaders(200, 0);
      exchange.getResponseBody().flush();
      throw new IOException("fake upstream breaks off after the response head");
    }
    if (stream) {
      stream(exchange, answer, includeUsage && !settings.omitUsage(), tally, now);
    } else {
      pause(settings.latencyMs());
      // counted before the write: a client reading the answer must already see it counted
      completionTokensSent.addAndGet(answer.completionTokens());
      tally.completion.addAndGet(answer.completionTokens());
      sendJson(exchange, 200, withReportedUsage(answer.toJson(!settings.omitUsage())));
    }
  }

  /**
   * {@code GET /v1/organization/costs} (daily buckets of {@code organization.costs.result}, one per
   * line item {@code "<model>, input"} and {@code "<model>, output"}, amounts in dollars) and
   * {@code /v1/organization/usage/completions} (daily buckets of {@code
   * organization.usage.completions.result} per model), from {@link #bill()}, paged by {@code limit}
   * and {@code page}.
   */
  private void organizationReport(HttpExchange exchange, String report) throws IOException {
    if (bill.failStatus() != 0) {
      sendError(exchange, bill.failStatus(), "The report failed on purpose.", "server_error", null);
      return;
    }
    Map<String, String> query = FakeBill.query(exchange.getRequestURI());
    LocalDate from;
    LocalDate to;
    try {
      from = day(query.get("start_time"));
      to = query.containsKey("end_time") ? day(query.get("end_time")) : from.plusDays(7);
    } catch (RuntimeException badTime) {
      sendError(exchange, 400, "start_time must be Unix seconds", INVALID_REQUEST, null);
      return;
    }
    int limit = Integer.parseInt(query.getOrDefault("limit", "7"));
    FakeBill.BucketWriter writer;
    if ("costs".equals(report)) {
      writer = FakeOpenAiUpstream::costBucket;
    } else if ("usage/completions".equals(report)) {
      writer = FakeOpenAiUpstream::usageBucket;
    } else {
      sendError(
          exchange,
          404,
          "Invalid URL (GET /v1/organization/" + report + ")",
          INVALID_REQUEST,
          null);
      return;
    }
    ObjectNode page = FakeBill.JSON.createObjectNode().put("object", "page");
    page.setAll(bill.page(from, to, limit, query.get("page"), writer));
    sendJson(exchange, 200, FakeBill.JSON.writeValueAsBytes(page));
  }

  private static LocalDate day(String unixSeconds) {
    return LocalDate.ofInstant(Instant.ofEpochSecond(Long.parseLong(unixSeconds)), ZoneOffset.UTC);
  }

  private static ObjectNode bucketOf(LocalDate day) {
    ObjectNode bucket = FakeBill.JSON.createObjectNode().put("object", "bucket");
    bucket.put("start_time", day.atStartOfDay().toEpochSecond(ZoneOffset.UTC));
    bucket.put("end_time", day.plusDays(1).atStartOfDay().toEpochSecond(ZoneOffset.UTC));
    return bucket;
  }

  private static ObjectNode costBucket(LocalDate day, Map<String, FakeBill.Line> models) {
    ObjectNode bucket = bucketOf(day);
    ArrayNode results = bucket.putArray("results");
    models.forEach(
        (model, line) -> {
          costResult(results, model + ", input", line.inputMicros());
          costResult(results, model + ", output", line.outputMicros());
        });
    return bucket;
  }

  private static void costResult(ArrayNode results, String lineItem, long micros) {
    ObjectNode result = results.addObject().put("object", "organization.costs.result");
    result.putObject("amount").put("value", FakeBill.dollars(micros)).put("currency", "usd");
    result.put("line_item", lineItem);
    result.putNull("project_id");
  }

  private static ObjectNode usageBucket(LocalDate day, Map<String, FakeBill.Line> models) {
    ObjectNode bucket = bucketOf(day);
    ArrayNode results = bucket.putArray("results");
    models.forEach(
        (model, line) -> {
          ObjectNode result =
              results.addObject().put("object", "organization.usage.completions.result");
          result.put("input_tokens", line.inputTokens() + line.cacheReadTokens());
          result.put("output_tokens", line.outputTokens());
          result.put("input_cached_tokens", line.cacheReadTokens());
          result.put("input_audio_tokens", 0);
          result.put("output_audio_tokens", 0);
          result.put("num_model_requests", 0);
          result.putNull("project_id");
          result.putNull("user_id");
          result.putNull("api_key_id");
          result.put("model", model);
          result.putNull("batch");
        });
    return bucket;
  }

  /** The tally of the request's {@code X-Request-Id} (requests without one share ""). */
  private Tally tally(HttpExchange exchange) {
    String id = exchange.getRequestHeaders().getFirst("X-Request-Id");
    synchronized (served) {
      return served.computeIfAbsent(id == null ? "" : id, any -> new Tally());
    }
  }

  /** An answer or stream event with its usage object replaced by the one set to report, if any. */
  private byte[] withReportedUsage(byte[] json) throws IOException {
    JsonNode usage = reportedUsage;
    if (usage == null) {
      return json;
    }
    JsonNode answer = OpenAiJson.MAPPER.readTree(json);
    if (!(answer instanceof ObjectNode object) || !object.path("usage").isObject()) {
      return json;
    }
    object.set("usage", usage);
    return OpenAiJson.bytes(object);
  }

  /** How an API's stream ends, fails and reports usage, for the quirks. */
  private enum Shape {
    /** Chat and legacy completions: {@code data:} chunks with choices, usage, {@code [DONE]}. */
    CHUNKS,
    /** The Responses API: named, typed events; the final response carries the usage. */
    RESPONSES;

    static Shape of(GeneratedAnswer answer) {
      return answer instanceof MockResponse ? RESPONSES : CHUNKS;
    }

    /** The error event {@link Quirk#ERROR_EVENT} sends, at {@code position}. */
    byte[] errorEvent(long position) {
      String message = "The server had an error while processing your request.";
      return this == CHUNKS
          ? OpenAiJson.sseEvent(OpenAiJson.error(message, "server_error", null, null))
          : ErrorJson.responsesErrorEvent("server_error", message, position);
    }

    /** Whether the event says the answer is complete (left out by an unfinished stream). */
    boolean endsAnswer(JsonNode data) {
      if (this == RESPONSES) {
        String type = data.path("type").asText();
        return type.equals("response.completed") || type.equals("response.incomplete");
      }
      boolean finish = data.path("usage").isObject();
      for (JsonNode choice : data.path("choices")) {
        finish |= choice.path("finish_reason").isTextual();
      }
      return finish;
    }

    /** The object holding an event's usage, to replace it, or null. */
    ObjectNode usageHolder(JsonNode data) {
      JsonNode holder = this == CHUNKS ? data : data.path("response");
      return holder instanceof ObjectNode object && object.path("usage").isObject() ? object : null;
    }
  }

  /** A stream event as this upstream sends it, or null to leave it out. */
  private byte[] shaped(byte[] event, Set<Quirk> now, Shape shape) throws IOException {
    if (now.isEmpty() && reportedUsage == null) {
      return event; // as generated: benchmarks stream through here, no parse per event
    }
    String text = new String(event, StandardCharsets.UTF_8);
    int data = text.indexOf("data: {");
    if (data < 0) {
      return now.contains(Quirk.UNFINISHED_STREAM) ? null : event; // [DONE]
    }
    String head = text.substring(0, data);
    JsonNode chunk = OpenAiJson.MAPPER.readTree(text.substring(data + 6));
    if (now.contains(Quirk.UNFINISHED_STREAM) && shape.endsAnswer(chunk)) {
      return null;
    }
    ObjectNode holder = shape.usageHolder(chunk);
    if (holder != null && reportedUsage != null) {
      holder.set("usage", reportedUsage);
      byte[] framed = OpenAiJson.sseEvent(chunk);
      byte[] named = head.getBytes(StandardCharsets.UTF_8);
      byte[] all = new byte[named.length + framed.length];
      System.arraycopy(named, 0, all, 0, named.length);
      System.arraycopy(framed, 0, all, named.length, framed.length);
      return all;
    }
    return event;
  }

  /**
   * Streams {@code completion}, flushing every event. A failed write means the client left: the
   * stream is counted as aborted and the connection dropped. A failing mock stream ({@code
   * fail_after_chunks}) drops the connection too: its exception reaches the server, which closes
   * the connection without ending the chunked body.
   */
  private void stream(
      HttpExchange exchange,
      GeneratedAnswer completion,
      boolean includeUsage,
      Tally tally,
      Set<Quirk> now)
      throws IOException {
    Shape shape = Shape.of(completion);
    try (MockStream stream = completion.stream(includeUsage)) {
      byte[] event = stream.next();
      Headers headers = exchange.getResponseHeaders();
      headers.set("Content-Type", "text/event-stream");
      headers.set("Cache-Control", "no-cache");
      OutputStream out = exchange.getResponseBody();
      long counted = 0;
      try {
        exchange.sendResponseHeaders(200, 0);
        for (long position = 0; event != null; position++) {
          if (now.contains(Quirk.ERROR_EVENT) && counted >= 3) {
            out.write(shape.errorEvent(position));
            out.flush();
            break;
          }
          byte[] shaped = shaped(event, now, shape);
          if (shaped != null) {
            out.write(shaped);
            out.flush();
          }
          long emitted = stream.usage().completionTokens();
          completionTokensSent.addAndGet(emitted - counted);
          tally.completion.addAndGet(emitted - counted);
          counted = emitted;
          event = nextOrFail(stream);
        }
      } catch (GenerationFailed failed) {
        throw failed.getCause();
      } catch (IOException writeFailed) {
        streamsAborted.incrementAndGet();
        LOG.debug("client left a stream after {} tokens: {}", counted, writeFailed.toString());
        throw writeFailed;
      }
      streamsCompleted.incrementAndGet();
    }
  }

  /** The stream's next event; its failure wrapped, to tell it apart from a failed write. */
  private static byte[] nextOrFail(MockStream stream) throws GenerationFailed {
    try {
      return stream.next();
    } catch (IOException upstreamFailure) {
      throw new GenerationFailed(upstreamFailure);
    }
  }

  /** Wraps a failure of the generated stream (not of the client) while streaming. */
  private static final class GenerationFailed extends Exception {
    GenerationFailed(IOException cause) {
      super(cause);
    }

    @Override
    public synchronized IOException getCause() {
      return (IOException) super.getCause();
    }
  }

  private void hang() throws IOException {
    try {
      closing.await();
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
    throw new IOException("fake upstream closed while hanging");
  }

  private void pause(long millis) throws IOException {
    try {
      if (millis > 0 && closing.await(millis, TimeUnit.MILLISECONDS)) {
        throw new IOException("fake upstream closed while waiting");
      }
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting", interrupted);
    }
  }

  /**
   * The OpenAI path of a request, an Azure one mapped onto it (its deployment noted); {@code null}
   * for an Azure path without an {@code api-version} (Azure answers it 404).
   */
  private String openAiPath(HttpExchange exchange) {
    String path = exchange.getRequestURI().getPath();
    if (!isAzure(exchange)) {
      return path;
    }
    String query = exchange.getRequestURI().getQuery();
    if (query == null || !query.matches("(.*&)?api-version=[^&]+(&.*)?")) {
      return null;
    }
    String rest = path.substring(AZURE_ROOT.length());
    if (rest.startsWith("deployments/")) {
      int slash = rest.indexOf('/', "deployments/".length());
      if (slash < 0) {
        return null;
      }
      lastDeployment = rest.substring("deployments/".length(), slash);
      rest = rest.substring(slash + 1);
    }
    return "/v1/" + rest;
  }

  private static boolean isAzure(HttpExchange exchange) {
    return exchange.getRequestURI().getPath().startsWith(AZURE_ROOT);
  }

  private boolean authorized(HttpExchange exchange) throws IOException {
    if (isAzure(exchange)) {
      String key = exchange.getRequestHeaders().getFirst("api-key");
      if (key != null && !key.isBlank()) {
        return true;
      }
      sendError(
          exchange,
          401,
          "Access denied due to invalid subscription key or wrong API endpoint.",
          INVALID_REQUEST,
          "401");
      return false;
    }
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header != null
        && header.regionMatches(true, 0, "Bearer ", 0, 7)
        && !header.substring(7).isBlank()) {
      return true;
    }
    sendError(
        exchange,
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization"
            + " header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        INVALID_REQUEST,
        "invalid_api_key");
    return false;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parseObject(byte[] raw) throws IOException {
    Object parsed = OpenAiJson.MAPPER.readValue(raw, Object.class);
    if (!(parsed instanceof Map<?, ?>)) {
      throw new IllegalArgumentException("the body is not a JSON object");
    }
    return (Map<String, Object>) parsed;
  }

  private void record(String body) {
    synchronized (bodies) {
      if (bodies.size() == MAX_RECORDED_BODIES) {
        bodies.removeFirst();
      }
      bodies.addLast(body);
    }
  }

  /** Applies one header's value to the settings. */
  @FunctionalInterface
  private interface HeaderOverride {
    FakeUpstreamSettings apply(FakeUpstreamSettings settings, String header, String value);
  }

  /** The per-request override headers and what each sets. */
  private static final Map<String, HeaderOverride> OVERRIDES =
      Map.of(
          "x-fake-latency-ms", (s, header, value) -> s.withLatencyMs(number(header, value)),
          "x-fake-chunk-delay-ms", (s, header, value) -> s.withChunkDelayMs(number(header, value)),
          "x-fake-fail-after-chunks",
              (s, header, value) -> s.withFailAfterChunks(number(header, value)),
          "x-fake-ignore-max-tokens",
              (s, header, value) -> s.withIgnoreMaxTokens(flag(header, value)),
          "x-fake-omit-usage", (s, header, value) -> s.withOmitUsage(flag(header, value)),
          "x-fake-hang", (s, header, value) -> s.withHang(flag(header, value)));

  /** {@code base} with the request's {@code x-fake-*} headers applied. */
  static FakeUpstreamSettings overridden(FakeUpstreamSettings base, Headers headers) {
    FakeUpstreamSettings settings = base;
    for (Map.Entry<String, HeaderOverride> override : OVERRIDES.entrySet()) {
      String value = headers.getFirst(override.getKey());
      if (value != null) {
        settings = override.getValue().apply(settings, override.getKey(), value);
      }
    }
    return settings;
  }

  private static Integer forcedStatus(Headers headers) {
    String value = headers.getFirst("x-fake-status");
    if (value == null) {
      return null;
    }
    long status = number("x-fake-status", value);
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("x-fake-status must be a 4xx or 5xx status: " + value);
    }
    return (int) status;
  }

  private static long number(String header, String value) {
    try {
      long number = Long.parseLong(value.trim());
      if (number >= 0) {
        return number;
      }
    } catch (NumberFormatException notANumber) {
      // reported below
    }
    throw new IllegalArgumentException(header + " must be a non-negative integer: " + value);
  }

  private static boolean flag(String header, String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new IllegalArgumentException(header + " must be true or false: " + value);
    };
  }

  private void sendForcedError(HttpExchange exchange, int status) throws IOException {
    if (status == 429) {
      exchange.getResponseHeaders().set("Retry-After", "1");
      sendError(
          exchange,
          429,
          "Rate limit reached for requests (fake upstream). Please try again in 1s.",
          "requests",
          "rate_limit_exceeded");
    } else if (status >= 500) {
      sendError(
          exchange,
          status,
          "The server had an error while processing your request. Sorry about that!",
          "server_error",
          null);
    } else {
      sendError(exchange, status, "Fake upstream error " + status + ".", INVALID_REQUEST, null);
    }
  }

  private static byte[] modelList() {
    ObjectNode root = OpenAiJson.MAPPER.createObjectNode();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    long created = Instant.parse("2024-01-01T00:00:00Z").getEpochSecond();
    for (String id : MODELS) {
      ObjectNode model = data.addObject();
      model.put("id", id);
      model.put("object", "model");
      model.put("created", created);
      model.put("owned_by", "pouch-fake");
    }
    return OpenAiJson.bytes(root);
  }

  private static void sendError(
      HttpExchange exchange, int status, String message, String type, String code)
      throws IOException {
    sendError(exchange, status, message, type, code, null);
  }

  private static void sendError(
      HttpExchange exchange, int status, String message, String type, String code, String param)
      throws IOException {
    sendJson(exchange, status, OpenAiJson.bytes(OpenAiJson.error(message, type, code, param)));
  }

  private static void sendJson(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
