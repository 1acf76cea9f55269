package dev.pouch.server;

import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.ResponseStream;
import dev.pouch.domain.key.AppKey;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The OpenAI-compatible routes under {@code /v1}. */
final class ProxyRoutes {
  private final ProxyChat proxy;
  private final JsonBodies json;

  ProxyRoutes(ProxyChat proxy, JsonBodies json) {
    this.proxy = proxy;
    this.json = json;
  }

  /** Adds the routes under {@code prefix} ("" for the root). */
  void install(JavalinConfig cfg, String prefix) {
    cfg.routes.post(prefix + "/v1/chat/completions", this::chatCompletions);
    cfg.routes.get(prefix + "/v1/models", this::models);
  }

  private void chatCompletions(Context ctx) throws IOException {
    ProxyResponse response =
        proxy.serveChatCompletions(ctx.header("Authorization"), () -> json.readObject(ctx));
    if (response instanceof ProxyResponse.Streaming streaming) {
      stream(ctx, streaming);
    } else {
      ProxyResponse.Complete complete = (ProxyResponse.Complete) response;
      complete.headers().forEach(ctx::header);
      ctx.status(complete.status()).result(complete.body());
    }
  }

  /**
   * Copies a stream to the client, flushing after every chunk (no buffering of SSE). A failed write
   * means the client left: closing the stream cancels the upstream and settles.
   */
  private static void stream(Context ctx, ProxyResponse.Streaming streaming) throws IOException {
    try (ResponseStream stream = streaming.stream()) {
      ctx.status(streaming.status());
      streaming.headers().forEach(ctx::header);
      ctx.res().setHeader("X-Accel-Buffering", "no");
      ctx.res().flushBuffer();
      OutputStream out = ctx.res().getOutputStream();
      byte[] chunk;
      while ((chunk = stream.next()) != null) {
        out.write(chunk);
        out.flush();
      }
    } catch (IOException clientGone) {
      // The stream was closed (and settled) by try-with-resources; nothing more to send.
    }
  }

  private void models(Context ctx) {
    AppKey key = proxy.authenticate(ctx.header("Authorization"));
    List<String> ids = proxy.models(key);
    long created = Instant.EPOCH.getEpochSecond();
    List<Map<String, Object>> data =
        ids.stream()
            .map(
                id -> {
                  Map<String, Object> model = new LinkedHashMap<>();
                  model.put("id", id);
                  model.put("object", "model");
                  model.put("created", created);
                  model.put("owned_by", key.policy().provider().id());
                  return model;
                })
            .toList();
    json.write(ctx, 200, Map.of("object", "list", "data", data));
  }
}
