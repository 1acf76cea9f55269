package dev.pouch.adapters.mock.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fake Anthropic server over real HTTP ({@code 127.0.0.1}), standing in for Anthropic's Messages
 * API in tests: {@code POST /v1/messages}, plain and streamed, in Anthropic's documented shapes —
 * text, a {@code tool_use} block (when the request gives tools and does not answer a tool call), a
 * {@code thinking} block with its signature (when thinking is enabled) — honouring {@code
 * max_tokens} (every output token is one delta), reporting usage with prompt-cache writes and reads
 * (a request with {@code cache_control} writes three quarters of its prompt the first time, reads
 * it after), and tallying what it served per request ({@code X-Request-Id}). Requires {@code
 * x-api-key}.
 *
 * <p>Its tokenizer: the prompt is the UTF-8 bytes of {@code system}, {@code messages} and {@code
 * tools} as JSON, divided by 4 and rounded up. Knobs for tests of what Pouch charges: {@link
 * #ignoreMaxTokens}, {@link #breakAfterDeltas}, {@link #failWithStatus}, {@link #skewUsage}.
 */
public final class FakeAnthropicUpstream implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FakeAnthropicUpstream.class);
  private static final String PATH = "/v1/messages";
  private static final String COUNT_PATH = "/v1/messages/count_tokens";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The text answer; each word (with its space) is one output token. */
  public static final String TEXT =
      "Hello from the fake Anthropic upstream, this answer has exactly sixteen words in it";

  /** How reported usage departs from the truth. */
  public enum UsageSkew {
    /** Usage as served. */
    NONE,
    /** Output reported far above anything the request allows (implausible). */
    OVERSTATE,
    /** Output reported as 0 (below what streamed). */
    UNDERSTATE
  }

  /**
   * What this upstream served one request.
   *
   * @param inputTokens uncached input tokens
   * @param cacheWrite5mTokens input tokens written to the 5-minute cache
   * @param cacheWrite1hTokens input tokens written to the 1-hour cache
   * @param cacheReadTokens input tokens read from the cache
   * @param outputTokens output tokens written and flushed to the client
   */
  public record Served(
      long inputTokens,
      long cacheWrite5mTokens,
      long cacheWrite1hTokens,
      long cacheReadTokens,
      long outputTokens) {}

  private static final class Tally {
    final AtomicLong input = new AtomicLong();
    final AtomicLong write5m = new AtomicLong();
    final AtomicLong write1h = new AtomicLong();
    final AtomicLong read = new AtomicLong();
    final AtomicLong output = new AtomicLong();

    Served served() {
      return new Served(input.get(), write5m.get(), write1h.get(), read.get(), output.get());
    }
  }

  private static final String ORGANIZATIONS_PATH = "/v1/organizations/";

  private final HttpServer server;
  private final ExecutorService executor;
  private final FakeBill bill = new FakeBill();
  private final Map<String, Tally> served = new ConcurrentHashMap<>();
  private final Set<String> cachedPrefixes = ConcurrentHashMap.newKeySet();
  private final AtomicInteger toolIds = new AtomicInteger();
  private final AtomicLong requests = new AtomicLong();
  private volatile Map<String, String> lastHeaders = Map.of();
  private volatile JsonNode lastBody;

  private volatile boolean ignoreMaxTokens;
  private volatile long breakAfterDeltas;
  private volatile int failStatus;
  private volatile UsageSkew skew = UsageSkew.NONE;
  private volatile long deltaDelayMs;

  private FakeAnthropicUpstream(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Starts a server on an ephemeral port of {@code 127.0.0.1}. */
  public static FakeAnthropicUpstream start() {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server;
    try {
      server =
          HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 4096);
    } catch (IOException bindFailed) {
      throw new UncheckedIOException("cannot start the fake Anthropic upstream", bindFailed);
    }
    AtomicInteger count = new AtomicInteger();
    ExecutorService executor =
        Executors.newCachedThreadPool(
            task -> {
              Thread thread = new Thread(task, "fake-anthropic-" + count.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    FakeAnthropicUpstream upstream = new FakeAnthropicUpstream(server, executor);
    server.setExecutor(executor);
    server.createContext("/", upstream::handle);
    server.start();
    return upstream;
  }

  /**
   * What this upstream bills for the messages it served, which {@code GET
   * /v1/organizations/cost_report} and {@code /v1/organizations/usage_report/messages} report: set
   * its prices, add drift or smaller pages there.
   */
  public FakeBill bill() {
    return bill;
  }

  /**
   * The Usage and Cost Admin API from {@link #bill()}: {@code cost_report} (daily buckets, per
   * model an input and an output result, {@code amount} a decimal string in cents) and {@code
   * usage_report/messages} (daily buckets, per model its uncached input, cache writes and reads,
   * output), paged by {@code limit} and {@code page}; {@code x-api-key} required.
   */
  private void report(HttpExchange exchange, String report) throws IOException {
    exchange.getRequestBody().readAllBytes();
    if (exchange.getRequestHeaders().getFirst("x-api-key") == null) {
      error(exchange, 401, "authentication_error", "invalid x-api-key");
      return;
    }
    if (bill.failStatus() != 0) {
      error(exchange, bill.failStatus(), "api_error", "the report failed on purpose");
      return;
    }
    Map<String, String> query = FakeBill.query(exchange.getRequestURI());
    LocalDate from;
    LocalDate to;
    try {
      from = LocalDate.ofInstant(Instant.parse(query.get("starting_at")), ZoneOffset.UTC);
      to =
          query.containsKey("ending_at")
              ? LocalDate.ofInstant(Instant.parse(query.get("ending_at")), ZoneOffset.UTC)
              : from.plusDays(7);
    } catch (RuntimeException badTime) {
      error(exchange, 400, "invalid_request_error", "starting_at must be RFC 3339");
      return;
    }
    int limit = Integer.parseInt(query.getOrDefault("limit", "7"));
    FakeBill.BucketWriter writer;
    if ("cost_report".equals(report)) {
      writer = FakeAnthropicUpstream::costBucket;
    } else if ("usage_report/messages".equals(report)) {
      writer = FakeAnthropicUpstream::usageBucket;
    } else {
      error(exchange, 404, "not_found_error", "Not found");
      return;
    }
    byte[] bytes =
        FakeBill.JSON.writeValueAsBytes(bill.page(from, to, limit, query.get("page"), writer));
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private static ObjectNode bucketOf(LocalDate day) {
    ObjectNode bucket = FakeBill.JSON.createObjectNode();
    bucket.put("starting_at", day.atStartOfDay().toInstant(ZoneOffset.UTC).toString());
    bucket.put("ending_at", day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).toString());
    return bucket;
  }

  private static ObjectNode costBucket(LocalDate day, Map<String, FakeBill.Line> models) {
    ObjectNode bucket = bucketOf(day);
    ArrayNode results = bucket.putArray("results");
    models.forEach(
        (model, line) -> {
          costResult(results, model, "uncached_input_tokens", line.inputMicros());
          costResult(results, model, "output_tokens", line.outputMicros());
        });
    return bucket;
  }

  private static void costResult(ArrayNode results, String model, String tokenType, long micros) {
    ObjectNode result = results.addObject();
    result.put("currency", "USD");
    result.put("amount", FakeBill.cents(micros));
    result.putNull("workspace_id");
    result.put("description", model + " usage - " + tokenType);
    result.put("cost_type", "tokens");
    result.put("context_window", "0-200k");
    result.put("model", model);
    result.put("service_tier", "standard");
    result.put("token_type", tokenType);
  }

  private static ObjectNode usageBucket(LocalDate day, Map<String, FakeBill.Line> models) {
    ObjectNode bucket = bucketOf(day);
    ArrayNode results = bucket.putArray("results");
    models.forEach(
        (model, line) -> {
          ObjectNode result = results.addObject();
          result.put("uncached_input_tokens", line.inputTokens());
          ObjectNode writes = result.putObject("cache_creation");
          writes.put("ephemeral_1h_input_tokens", 0);
          writes.put("ephemeral_5m_input_tokens", line.cacheWriteTokens());
          result.put("cache_read_input_tokens", line.cacheReadTokens());
          result.put("output_tokens", line.outputTokens());
          result.putObject("server_tool_use").put("web_search_requests", 0);
          result.putNull("api_key_id");
          result.putNull("workspace_id");
          result.put("model", model);
          result.put("service_tier", "standard");
          result.put("context_window", "0-200k");
        });
    return bucket;
  }

  /** {@code http://127.0.0.1:PORT}: Anthropic's base URL has no {@code /v1}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Generate past {@code max_tokens} (up to 2 × it + 10 tokens, or until the client leaves). */
  public FakeAnthropicUpstream ignoreMaxTokens(boolean value) {
    this.ignoreMaxTokens = value;
    return this;
  }

  /** Drop a stream's connection after this many output deltas; 0 = never. */
  public FakeAnthropicUpstream breakAfterDeltas(long value) {
    this.breakAfterDeltas = value;
    return this;
  }

  /** Answer every request with this status and Anthropic's error body; 0 = answer normally. */
  public FakeAnthropicUpstream failWithStatus(int status) {
    this.failStatus = status;
    return this;
  }

  /** How reported usage departs from what was served. */
  public FakeAnthropicUpstream skewUsage(UsageSkew value) {
    this.skew = value;
    return this;
  }

  /** A pause before each output delta of a stream. */
  public FakeAnthropicUpstream deltaDelayMs(long value) {
    this.deltaDelayMs = value;
    return this;
  }

  /** What was served per request id (Pouch's {@code X-Request-Id}). */
  public Map<String, Served> servedByRequest() {
    Map<String, Served> copy = new java.util.TreeMap<>();
    served.forEach((id, tally) -> copy.put(id, tally.served()));
    return copy;
  }

  /** Requests received on {@code /v1/messages}. */
  public long requestsReceived() {
    return requests.get();
  }

  /** The body of the latest request on {@code /v1/messages}, as it arrived. */
  public JsonNode lastRequestBody() {
    return lastBody;
  }

  /** The headers of the latest request, by lower-case name. */
  public Map<String, String> lastHeaders() {
    return lastHeaders;
  }

  /**
   * Routes one exchange. Closed (its body ended cleanly) only when the handling succeeds; an
   * exception reaches the server, which then drops the connection mid-body, as a broken upstream.
   */
  private void handle(HttpExchange exchange) throws IOException {
    {
      // an error answer closes its exchange itself
      String path = exchange.getRequestURI().getPath();
      if ("GET".equals(exchange.getRequestMethod()) && path.startsWith(ORGANIZATIONS_PATH)) {
        report(exchange, path.substring(ORGANIZATIONS_PATH.length()));
        return;
      }
      boolean counting = COUNT_PATH.equals(path);
      if (!"POST".equals(exchange.getRequestMethod())
          || !(counting || PATH.equals(exchange.getRequestURI().getPath()))) {
        error(exchange, 404, "not_found_error", "Not found");
        return;
      }
      Map<String, String> headers = new java.util.TreeMap<>();
      exchange
          .getRequestHeaders()
          .forEach(
              (name, values) ->
                  headers.put(name.toLowerCase(java.util.Locale.ROOT), String.join(",", values)));
      lastHeaders = Map.copyOf(headers);
      requests.incrementAndGet();
      JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
      lastBody = body;
      if (headers.get("x-api-key") == null) {
        error(exchange, 401, "authentication_error", "invalid x-api-key");
        return;
      }
      if (failStatus != 0) {
        error(
            exchange,
            failStatus,
            failStatus == 529
                ? "overloaded_error"
                : failStatus >= 500 ? "api_error" : "invalid_request_error",
            "failing on purpose");
        return;
      }
      if (counting) {
        countTokens(exchange, body);
        return;
      }
      if (!body.path("max_tokens").canConvertToLong() || body.path("max_tokens").asLong() < 1) {
        error(exchange, 400, "invalid_request_error", "max_tokens: Field required");
        return;
      }
      String requestId = headers.getOrDefault("x-request-id", "req-" + requests.get());
      Tally tally = served.computeIfAbsent(requestId, id -> new Tally());
      Answer answer = answer(body, tally);
      long outputBefore = tally.output.get();
      try {
        if (body.path("stream").asBoolean(false)) {
          stream(exchange, body, answer, tally);
        } else {
          plain(exchange, body, answer, tally);
        }
      } finally {
        // billed as Anthropic bills: the prompt once read, the output generated for this client
        bill.served(
            body.path("model").asText(null),
            tally.input.get(),
            tally.write5m.get(),
            tally.write1h.get(),
            tally.read.get(),
            tally.output.get() - outputBefore,
            Instant.now());
      }
    }
    exchange.close();
  }

  /** One planned answer: blocks of tokens, and why it stops. */
  private record Block(String type, List<String> tokens, String toolName) {}

  private record Answer(List<Block> blocks, String stopReason, long output, ObjectNode usage) {}

  /** The prompt as this fake counts it: its system, messages and tools. */
  private static String promptJson(JsonNode body) {
    ObjectNode prompt = JSON.createObjectNode();
    prompt.set("system", body.path("system"));
    prompt.set("messages", body.path("messages"));
    prompt.set("tools", body.path("tools"));
    return prompt.toString();
  }

  /** The input tokens of a prompt: a quarter of its JSON's UTF-8 bytes, rounded up. */
  public static long inputTokensOf(String promptJson) {
    return (promptJson.getBytes(StandardCharsets.UTF_8).length + 3) / 4;
  }

  /**
   * {@code POST /v1/messages/count_tokens}: the input tokens this fake would bill for the body,
   * free (nothing is tallied), as Anthropic's counter answers.
   */
  private void countTokens(HttpExchange exchange, JsonNode body) throws IOException {
    if (!body.path("model").isTextual() || !body.path("messages").isArray()) {
      error(exchange, 400, "invalid_request_error", "model and messages are required");
      return;
    }
    byte[] answer =
        JSON.writeValueAsBytes(
            JSON.createObjectNode().put("input_tokens", inputTokensOf(promptJson(body))));
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, answer.length);
    exchange.getResponseBody().write(answer);
    exchange.close();
  }

  private Answer answer(JsonNode body, Tally tally) {
    String promptJson = promptJson(body);
    long total = inputTokensOf(promptJson);
    long input = total;
    long write5m = 0;
    long write1h = 0;
    long read = 0;
    if (promptJson.contains("cache_control")) {
      long cached = total * 3 / 4;
      input = total - cached;
      if (!cachedPrefixes.add(promptJson)) {
        read = cached;
      } else if (promptJson.contains("\"ttl\":\"1h\"")) {
        write1h = cached;
      } else {
        write5m = cached;
      }
    }
    tally.input.set(input);
    tally.write5m.set(write5m);
    tally.write1h.set(write1h);
    tally.read.set(read);

    List<Block> planned = new ArrayList<>();
    String thinking = body.path("thinking").path("type").asText("");
    if ("enabled".equals(thinking) || "adaptive".equals(thinking)) {
      planned.add(new Block("thinking", words("Let me think about what the user asked."), null));
    }
    boolean answersTool = lastIsToolResult(body.path("messages"));
    String stop = "end_turn";
    if (body.path("tools").isArray() && !body.path("tools").isEmpty() && !answersTool) {
      planned.add(new Block("text", words("I will call the tool."), null));
      String input1 = "{\"location\": \"Paris\", \"unit\": \"celsius\"}";
      List<String> pieces = new ArrayList<>();
      for (int i = 0; i < input1.length(); i += 8) {
        pieces.add(input1.substring(i, Math.min(input1.length(), i + 8)));
      }
      planned.add(new Block("tool_use", pieces, body.path("tools").get(0).path("name").asText()));
      stop = "tool_use";
    } else {
      planned.add(new Block("text", words(TEXT), null));
    }
    long maxTokens = body.path("max_tokens").asLong();
    long limit = ignoreMaxTokens ? 2 * maxTokens + 10 : maxTokens;
    if (ignoreMaxTokens) { // generate more than asked: repeat the text
      List<String> more = new ArrayList<>();
      while (more.size() < limit) {
        more.addAll(words(TEXT));
      }
      planned.set(planned.size() - 1, new Block("text", more, null));
      stop = "end_turn";
    }
    List<Block> blocks = new ArrayList<>();
    long left = limit;
    for (Block block : planned) {
      if (left <= 0) {
        stop = "max_tokens";
        break;
      }
      if (block.tokens().size() > left) {
        blocks.add(
            new Block(block.type(), block.tokens().subList(0, (int) left), block.toolName()));
        stop = "max_tokens";
        left = 0;
        break;
      }
      blocks.add(block);
      left -= block.tokens().size();
    }
    long output = limit - left;
    ObjectNode usage = JSON.createObjectNode();
    usage.put("input_tokens", input);
    usage.put("cache_creation_input_tokens", write5m + write1h);
    usage.put("cache_read_input_tokens", read);
    ObjectNode split = usage.putObject("cache_creation");
    split.put("ephemeral_5m_input_tokens", write5m);
    split.put("ephemeral_1h_input_tokens", write1h);
    return new Answer(blocks, stop, output, usage);
  }

  private static boolean lastIsToolResult(JsonNode messages) {
    if (!messages.isArray() || messages.isEmpty()) {
      return false;
    }
    JsonNode content = messages.get(messages.size() - 1).path("content");
    if (content.isArray()) {
      for (JsonNode block : content) {
        if ("tool_result".equals(block.path("type").asText())) {
          return true;
        }
      }
    }
    return false;
  }

  private static List<String> words(String text) {
    List<String> tokens = new ArrayList<>();
    String[] parts = text.split(" ");
    for (int i = 0; i < parts.length; i++) {
      tokens.add(i == 0 ? parts[i] : " " + parts[i]);
    }
    return tokens;
  }

  private long reportedOutput(long output) {
    switch (skew) {
      case OVERSTATE:
        return output * 1000 + 1_000_000;
      case UNDERSTATE:
        return 0;
      default:
        return output;
    }
  }

  private void plain(HttpExchange exchange, JsonNode body, Answer answer, Tally tally)
      throws IOException {
    ObjectNode message = messageHead(body, answer);
    ArrayNode content = message.putArray("content");
    for (Block block : answer.blocks()) {
      String joined = String.join("", block.tokens());
      ObjectNode node = content.addObject();
      node.put("type", block.type());
      switch (block.type()) {
        case "thinking":
          node.put("thinking", joined);
          node.put("signature", "sig_fake_thinking");
          break;
        case "tool_use":
          node.put("id", "toolu_fake_" + toolIds.incrementAndGet());
          node.put("name", block.toolName());
          node.set("input", parseOrEmpty(joined));
          break;
        default:
          node.put("text", joined);
      }
    }
    message.put("stop_reason", answer.stopReason());
    message.putNull("stop_sequence");
    ObjectNode usage = answer.usage().deepCopy();
    usage.put("output_tokens", reportedOutput(answer.output()));
    message.set("usage", usage);
    byte[] bytes = JSON.writeValueAsBytes(message);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("request-id", "req_fake_" + requests.get());
    exchange.sendResponseHeaders(200, bytes.length);
    tally.output.set(answer.output());
    exchange.getResponseBody().write(bytes);
  }

  private static JsonNode parseOrEmpty(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException notJson) {
      return JSON.createObjectNode();
    }
  }

  private ObjectNode messageHead(JsonNode body, Answer answer) {
    ObjectNode message = JSON.createObjectNode();
    message.put("id", "msg_fake_" + requests.get());
    message.put("type", "message");
    message.put("role", "assistant");
    message.put("model", body.path("model").asText());
    return message;
  }

  private void stream(HttpExchange exchange, JsonNode body, Answer answer, Tally tally)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().set("request-id", "req_fake_" + requests.get());
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    ObjectNode start = JSON.createObjectNode();
    start.put("type", "message_start");
    ObjectNode message = messageHead(body, answer);
    message.putArray("content");
    message.putNull("stop_reason");
    message.putNull("stop_sequence");
    ObjectNode usage = answer.usage().deepCopy();
    usage.put("output_tokens", 1);
    message.set("usage", usage);
    start.set("message", message);
    event(out, "message_start", start);
    event(out, "ping", JSON.createObjectNode().put("type", "ping"));
    long deltas = 0;
    for (int index = 0; index < answer.blocks().size(); index++) {
      Block block = answer.blocks().get(index);
      ObjectNode begin =
          JSON.createObjectNode().put("type", "content_block_start").put("index", index);
      ObjectNode contentBlock = begin.putObject("content_block").put("type", block.type());
      String deltaType;
      String field;
      switch (block.type()) {
        case "thinking":
          contentBlock.put("thinking", "");
          contentBlock.put("signature", "");
          deltaType = "thinking_delta";
          field = "thinking";
          break;
        case "tool_use":
          contentBlock.put("id", "toolu_fake_" + toolIds.incrementAndGet());
          contentBlock.put("name", block.toolName());
          contentBlock.putObject("input");
          deltaType = "input_json_delta";
          field = "partial_json";
          break;
        default:
          contentBlock.put("text", "");
          deltaType = "text_delta";
          field = "text";
      }
      event(out, "content_block_start", begin);
      for (String token : block.tokens()) {
        if (breakAfterDeltas > 0 && deltas >= breakAfterDeltas) {
          throw new IOException("breaking the stream on purpose"); // no end of the chunked body
        }
        pause();
        ObjectNode delta =
            JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
        delta.putObject("delta").put("type", deltaType).put(field, token);
        event(out, "content_block_delta", delta);
        deltas++;
        tally.output.incrementAndGet();
      }
      if ("thinking".equals(block.type())) {
        ObjectNode signature =
            JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
        signature
            .putObject("delta")
            .put("type", "signature_delta")
            .put("signature", "sig_fake_thinking");
        event(out, "content_block_delta", signature);
      }
      event(
          out,
          "content_block_stop",
          JSON.createObjectNode().put("type", "content_block_stop").put("index", index));
    }
    ObjectNode end = JSON.createObjectNode().put("type", "message_delta");
    end.putObject("delta").put("stop_reason", answer.stopReason()).putNull("stop_sequence");
    end.putObject("usage").put("output_tokens", reportedOutput(answer.output()));
    event(out, "message_delta", end);
    event(out, "message_stop", JSON.createObjectNode().put("type", "message_stop"));
  }

  private void pause() {
    if (deltaDelayMs > 0) {
      try {
        Thread.sleep(deltaDelayMs);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void event(OutputStream out, String name, JsonNode data) throws IOException {
    out.write(("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void error(HttpExchange exchange, int status, String type, String message)
      throws IOException {
    ObjectNode root = JSON.createObjectNode().put("type", "error");
    root.putObject("error").put("type", type).put("message", message);
    root.put("request_id", "req_fake_error");
    byte[] bytes = JSON.writeValueAsBytes(root);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
    LOG.info("fake Anthropic upstream closed");
  }
}
