package dev.pouch.server.proxy;

import dev.pouch.application.port.in.HeldBudget;
import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.application.port.in.RequestMeta;
import dev.pouch.application.proxy.ErrorResponses;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.ResponseStream;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.ErrorJson;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.EndUserPolicy;
import dev.pouch.domain.provider.MessagesRequest;
import dev.pouch.domain.provider.Operation;
import dev.pouch.server.http.AnthropicErrors;
import dev.pouch.server.http.BudgetViews;
import dev.pouch.server.http.ErrorHandling;
import dev.pouch.server.http.JsonBodies;
import dev.pouch.server.operations.Drain;
import dev.pouch.server.operations.Exchange;
import dev.pouch.server.operations.Metrics;
import dev.pouch.server.operations.Tracing;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAI-compatible routes under {@code /v1}, and Anthropic's {@code POST /v1/messages} and
 * {@code POST /v1/messages/count_tokens}.
 */
public final class ProxyRoutes {
  private static final String CUT_MESSAGE = "The server is shutting down; this stream was cut.";

  /** How a chat-completions stream ends when a stop cuts it: an error event, then [DONE]. */
  private static final byte[] CUT_EVENT =
      concat(
          ErrorJson.event(ErrorResponses.body(ErrorCode.SERVER_SHUTTING_DOWN, CUT_MESSAGE, null)),
          "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));

  /**
   * How a Responses API stream ends when a stop cuts it: its own {@code error} event (the stream
   * has no {@code [DONE]}); the route does not know the events' sequence numbers, so it sends none.
   */
  private static final byte[] RESPONSES_CUT_EVENT =
      ErrorJson.responsesErrorEvent(ErrorCode.SERVER_SHUTTING_DOWN.wireCode(), CUT_MESSAGE, -1);

  /** How a Messages stream ends when a stop cuts it: Anthropic's {@code event: error}. */
  private static final byte[] MESSAGES_CUT_EVENT =
      AnthropicErrors.event(ErrorCode.SERVER_SHUTTING_DOWN.httpStatus(), CUT_MESSAGE);

  /** The request headers the Messages API reads as part of the request (never credentials). */
  private static final List<String> MESSAGES_HEADERS =
      List.of(MessagesRequest.VERSION_HEADER, MessagesRequest.BETA_HEADER);

  private final ProxyChat proxy;
  private final JsonBodies json;
  private final Drain drain;
  private final Metrics metrics;
  private final Tracing tracing;

  public ProxyRoutes(ProxyChat proxy, JsonBodies json, Drain drain, Metrics metrics) {
    this(proxy, json, drain, metrics, Tracing.off());
  }

  public ProxyRoutes(
      ProxyChat proxy, JsonBodies json, Drain drain, Metrics metrics, Tracing tracing) {
    this.proxy = proxy;
    this.json = json;
    this.drain = drain;
    this.metrics = metrics;
    this.tracing = tracing;
  }

  /** The key of an {@code Authorization} header's value, timed for the request's trace. */
  private AppKey authenticate(String authorization) {
    long started = System.nanoTime();
    boolean accepted = false;
    try {
      AppKey key = proxy.authenticate(authorization);
      accepted = true;
      return key;
    } finally {
      tracing.authenticated(System.nanoTime() - started, accepted);
    }
  }

  /** Adds the routes under {@code prefix} ("" for the root). */
  public void install(JavalinConfig cfg, String prefix) {
    post(cfg, prefix + "/v1/chat/completions", Operation.CHAT_COMPLETIONS);
    post(cfg, prefix + "/v1/embeddings", Operation.EMBEDDINGS);
    post(cfg, prefix + "/v1/completions", Operation.COMPLETIONS);
    post(cfg, prefix + "/v1/responses", Operation.RESPONSES);
    post(cfg, prefix + "/v1/messages", Operation.MESSAGES);
    cfg.routes.post(prefix + "/v1/messages/count_tokens", this::countTokens);
    String stored = prefix + "/v1/responses/{id}";
    cfg.routes.get(stored, ctx -> storedResponse(ctx, "GET", ""));
    cfg.routes.delete(stored, ctx -> storedResponse(ctx, "DELETE", ""));
    cfg.routes.get(stored + "/input_items", ctx -> storedResponse(ctx, "GET", "input_items"));
    cfg.routes.post(stored + "/cancel", ctx -> storedResponse(ctx, "POST", "cancel"));
    cfg.routes.get(prefix + "/v1/models", this::models);
    cfg.routes.get(prefix + "/v1/pouch/budgets", this::budgets);
    // <id>, not {id}: model ids may hold slashes (org/model)
    cfg.routes.get(prefix + "/v1/models/<id>", this::model);
  }

  private void post(JavalinConfig cfg, String path, String api) {
    cfg.routes.post(path, ctx -> serve(ctx, api));
  }

  private void serve(Context ctx, String api) throws IOException {
    try (Drain.Flight flight = drain.enter()) {
      AppKey key = authenticate(authorization(ctx, api));
      Exchange exchange = Exchange.of(ctx);
      Map<String, Object> body = json.readObject(ctx);
      Map<String, String> apiHeaders = apiHeaders(ctx, api);
      RequestMeta meta;
      if (exchange != null) {
        exchange.keyPrefix = key.prefix();
        exchange.model = loggable(body.get("model"));
        exchange.stream = Boolean.TRUE.equals(body.get("stream"));
        meta =
            new RequestMeta(
                exchange.requestId,
                exchange.clientRequestId,
                exchange.observer(),
                apiHeaders,
                ctx.header(EndUserPolicy.HEADER));
      } else { // mounted in a host's Javalin without Pouch's observability
        meta =
            new RequestMeta(
                proxy.newRequestId(),
                Exchange.clientRequestId(ctx),
                RequestMeta.NOBODY,
                apiHeaders,
                ctx.header(EndUserPolicy.HEADER));
        ctx.header(ProxyChat.REQUEST_ID_HEADER, meta.requestId());
      }
      ProxyResponse response = proxy.serve(api, key, body, meta);
      if (response instanceof ProxyResponse.Streaming streaming) {
        flight.streaming(streaming.stream());
        byte[] cutEvent = cutEvent(api);
        stream(ctx, streaming, flight, exchange, key.policy().provider().id(), cutEvent);
      } else if (response instanceof ProxyResponse.Refused refused) {
        ErrorHandling.write(ctx, refused.refusal());
      } else {
        ProxyResponse.Complete complete = (ProxyResponse.Complete) response;
        complete.headers().forEach(ctx::header);
        ctx.status(complete.status()).result(complete.body());
      }
    }
  }

  /**
   * The app key as an {@code Authorization} value: Anthropic's clients send it as {@code x-api-key}
   * (Claude Code and the SDKs), others as {@code Authorization: Bearer}; both work on the Messages
   * route.
   */
  private static String authorization(Context ctx, String api) {
    String apiKey = Operation.MESSAGES.equals(api) ? ctx.header("x-api-key") : null;
    return apiKey != null && ctx.header("Authorization") == null
        ? "Bearer " + apiKey
        : ctx.header("Authorization");
  }

  /** The headers an API reads as part of its request, by lower-case name. */
  private static Map<String, String> apiHeaders(Context ctx, String api) {
    if (!Operation.MESSAGES.equals(api)) {
      return Map.of();
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String name : MESSAGES_HEADERS) {
      String value = ctx.header(name);
      if (value != null) {
        headers.put(name, value);
      }
    }
    return headers;
  }

  /** How a stream of the API ends when a stop cuts it, in that API's framing. */
  private static byte[] cutEvent(String api) {
    switch (api) {
      case Operation.RESPONSES:
        return RESPONSES_CUT_EVENT;
      case Operation.MESSAGES:
        return MESSAGES_CUT_EVENT;
      default:
        return CUT_EVENT;
    }
  }

  /** A response this key made, read, deleted or cancelled upstream (unmetered). */
  private void storedResponse(Context ctx, String method, String action) {
    AppKey key = proxy.authenticate(ctx.header("Authorization"));
    writeWhole(
        ctx, proxy.storedResponse(key, method, ctx.pathParam("id"), action, ctx.queryString()));
  }

  /** Anthropic's free token counter, passed to the key's provider (unmetered). */
  private void countTokens(Context ctx) throws IOException {
    AppKey key = authenticate(authorization(ctx, Operation.MESSAGES));
    ProxyResponse response =
        proxy.countTokens(key, json.readObject(ctx), apiHeaders(ctx, Operation.MESSAGES));
    writeWhole(ctx, response);
  }

  /** A whole answer or a refusal, in the route's shape. */
  private static void writeWhole(Context ctx, ProxyResponse response) {
    if (response instanceof ProxyResponse.Refused refused) {
      ErrorHandling.write(ctx, refused.refusal());
      return;
    }
    ProxyResponse.Complete complete = (ProxyResponse.Complete) response;
    complete.headers().forEach(ctx::header);
    ctx.status(complete.status()).result(complete.body());
  }

  /** The requested model as logs may show it: a string, at most 100 characters. */
  private static String loggable(Object model) {
    if (!(model instanceof String name)) {
      return "";
    }
    return name.length() > 100 ? name.substring(0, 100) : name;
  }

  /**
   * Copies a stream to the client, flushing after every chunk (no buffering of SSE). A failed write
   * means the client left: closing the stream cancels the upstream and settles. A stream cut by a
   * stop ({@link Drain}) ends with an error event.
   */
  @SuppressWarnings("try") // a cut stream is closed early on purpose: it settles before cutEvent
  private void stream(
      Context ctx,
      ProxyResponse.Streaming streaming,
      Drain.Flight flight,
      Exchange exchange,
      String providerId,
      byte[] cutEvent)
      throws IOException {
    try (ResponseStream stream = streaming.stream()) {
      ctx.status(streaming.status());
      streaming.headers().forEach(ctx::header);
      ctx.res().setHeader("X-Accel-Buffering", "no");
      ctx.res().flushBuffer();
      OutputStream out = ctx.res().getOutputStream();
      byte[] chunk;
      boolean first = true;
      while (!flight.wasCut() && (chunk = stream.next()) != null) {
        out.write(chunk);
        out.flush();
        if (first && exchange != null) {
          first = false;
          metrics.firstByte(providerId, System.nanoTime() - exchange.startedNanos);
        }
      }
      if (flight.wasCut()) {
        stream.close(); // settles, on this thread, before the client hears of the cut
        out.write(cutEvent);
      }
      // Completes the response here, so that a stop that follows cannot cut its last chunk.
      out.close();
    } catch (IOException clientGone) {
      // The stream was closed (and settled) by try-with-resources; nothing more to send.
    }
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] both = java.util.Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }

  private void models(Context ctx) {
    AppKey key = proxy.authenticate(ctx.header("Authorization"));
    List<Map<String, Object>> data =
        proxy.models(key).stream().map(id -> modelObject(id, key)).toList();
    json.write(ctx, 200, Map.of("object", "list", "data", data));
  }

  /**
   * {@code GET /v1/pouch/budgets}: the budgets the caller's own key pays from (its own, then its
   * team's, then, with an {@code x-pouch-end-user} header on a key that budgets its end users, that
   * end user's), with what is left in each period; read with the app key, never another key's.
   */
  private void budgets(Context ctx) {
    AppKey key = proxy.authenticate(ctx.header("Authorization"));
    List<Map<String, Object>> data = new java.util.ArrayList<>();
    for (HeldBudget held : proxy.budgets(key, ctx.header(EndUserPolicy.HEADER))) {
      Map<String, Object> budget = new LinkedHashMap<>();
      budget.put("object", "pouch.budget");
      budget.put("owner", held.owner());
      budget.put("owner_name", held.ownerName());
      budget.put("position", held.position());
      budget.putAll(BudgetViews.holderView(held.budget()));
      data.add(budget);
    }
    json.write(ctx, 200, Map.of("object", "list", "data", data));
  }

  /** {@code GET /v1/models/{id}}: a model the key can reach, else 404 as OpenAI answers it. */
  private void model(Context ctx) {
    AppKey key = proxy.authenticate(ctx.header("Authorization"));
    String id = ctx.pathParam("id");
    if (!proxy.models(key).contains(id)) {
      ErrorHandling.write(
          ctx,
          Refusal.of(
              ErrorCode.MODEL_NOT_FOUND,
              "The model '" + loggable(id) + "' does not exist or this key cannot use it.",
              "model"));
      return;
    }
    json.write(ctx, 200, modelObject(id, key));
  }

  /** OpenAI's model object; {@code created} is not known, so the epoch. */
  private static Map<String, Object> modelObject(String id, AppKey key) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("id", id);
    model.put("object", "model");
    model.put("created", Instant.EPOCH.getEpochSecond());
    model.put("owned_by", key.policy().provider().id());
    return model;
  }
}
