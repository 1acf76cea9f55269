import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.compression.CompressionStrategy;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import dev.pouch.server.http.UnpooledConnector;

/**
 * The floor of Pouch's stack, for bench/run.sh: a Javalin + OkHttp hop configured as Pouch
 * configures them (virtual threads where the JDK has them, no compression, a large accept queue,
 * one OkHttp client whose pool keeps 1,024 idle connections), with no accounting at all. It
 * forwards {@code POST /{fast|slow|stream}/v1/chat/completions} to the fake upstream of that name
 * with the client's Authorization header, and copies the answer back: a plain one as bytes, a stream
 * read by read, flushed after each, as nginx does with {@code proxy_buffering off}.
 *
 * <p>Run from the fat jar's classpath: {@code java -cp pouch.jar bench/BareHop.java PORT FAST SLOW
 * STREAM} (the three upstream ports); {@code -Dhop.platformThreads=true} serves on Jetty's thread
 * pool instead of virtual threads.
 */
public final class BareHop {
  private static final MediaType JSON = MediaType.get("application/json");

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    String[] upstreams = {
      "http://127.0.0.1:" + args[1], "http://127.0.0.1:" + args[2], "http://127.0.0.1:" + args[3]
    };
    OkHttpClient client =
        new OkHttpClient.Builder()
            .connectionPool(new ConnectionPool(1024, 1, TimeUnit.MINUTES))
            .connectTimeout(Duration.ofSeconds(10))
            .readTimeout(Duration.ZERO) // no SO_TIMEOUT and no watchdog: the cheapest read
            .retryOnConnectionFailure(false)
            .build();
    Javalin app =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.http.compressionStrategy = CompressionStrategy.NONE;
              cfg.http.maxRequestSize = 16L << 20;
              cfg.concurrency.useVirtualThreads =
                  Runtime.version().feature() >= 21 && !Boolean.getBoolean("hop.platformThreads");
              // Pouch's own connector (no pooled buffers, accept queue 4,096), so the hop stays the
              // floor of the same stack: modifyServer runs before Javalin adds its connector.
              cfg.jetty.addConnector(
                  (server, http) ->
                      UnpooledConnector.create(server, http, "127.0.0.1", port, 4096));
              cfg.routes.get("/healthz", ctx -> ctx.result("ok"));
              String[] names = {"fast", "slow", "stream"};
              for (int i = 0; i < names.length; i++) {
                String upstream = upstreams[i] + "/v1/chat/completions";
                cfg.routes.post(
                    "/" + names[i] + "/v1/chat/completions", ctx -> forward(client, upstream, ctx));
              }
            });
    app.start("127.0.0.1", port);
  }

  private static void forward(OkHttpClient client, String upstream, Context ctx) throws Exception {
    Request.Builder request =
        new Request.Builder().url(upstream).post(RequestBody.create(ctx.bodyAsBytes(), JSON));
    String auth = ctx.header("Authorization");
    if (auth != null) {
      request.header("Authorization", auth);
    }
    try (Response response = client.newCall(request.build()).execute()) {
      ctx.status(HttpStatus.forStatus(response.code()));
      String type = response.header("Content-Type", "application/json");
      ctx.contentType(type);
      if (!type.startsWith("text/event-stream")) {
        ctx.result(response.body().bytes());
        return;
      }
      ctx.res().flushBuffer();
      OutputStream out = ctx.res().getOutputStream();
      InputStream in = response.body().byteStream();
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        out.flush();
      }
    }
  }
}
