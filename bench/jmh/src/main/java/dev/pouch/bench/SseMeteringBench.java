package dev.pouch.bench;

import dev.pouch.adapters.openai.OpenAiProviderFactory;
import dev.pouch.adapters.openai.OpenAiSettings;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;
import okio.BufferedSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * SSE metering of a stream of {@code chunks} chunks (role, {@code chunks - 2} one-word contents,
 * finish; then the usage chunk and {@code [DONE]}). The openai adapter's stream tap ({@code
 * OpenAiStream}) is package-private, so it is measured through the provider against an in-process
 * upstream on 127.0.0.1 ({@code meteredStream}: request, events one by one, usage, close), next to
 * the same exchange over a plain OkHttp client that only copies the bytes ({@code rawStream}). The
 * difference is the metering (plus the provider's request building).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SseMeteringBench {
  private static final MediaType JSON = MediaType.get("application/json");

  @Param({"50"})
  public int chunks;

  private StaticUpstream upstream;
  private OpenAiProviderFactory factory;
  private Provider provider;
  private ChatRequest request;
  private OkHttpClient raw;
  private byte[] rawBody;
  private String url;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    upstream = new StaticUpstream(chunks - 2);
    factory =
        new OpenAiProviderFactory(
            new OpenAiSettings(null, upstream.baseUrl(), null), Clock.systemUTC());
    provider =
        factory.create(
            factory
                .info()
                .schema()
                .validate(
                    Map.of("api_key", Fixtures.UPSTREAM_KEY, "base_url", upstream.baseUrl())));
    Map<String, Object> body = Fixtures.chatBody("Write fifty words about budgets.", true);
    request = ChatRequest.of(body);
    rawBody = Fixtures.JSON.writeValueAsBytes(body);
    url = upstream.baseUrl() + "/chat/completions";
    raw =
        new OkHttpClient.Builder()
            .connectionPool(new ConnectionPool(8, 5, TimeUnit.MINUTES))
            .build();
    if (meteredStream() <= 0 || rawStream() <= 0) {
      throw new IllegalStateException("the in-process upstream did not stream");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    provider.close();
    factory.close();
    raw.dispatcher().executorService().shutdown();
    raw.connectionPool().evictAll();
    upstream.close();
  }

  @Benchmark
  public long meteredStream() throws IOException {
    ProviderResponse response = provider.execute(request, new UpstreamCall("req_bench", 100_000));
    if (!(response instanceof ProviderResponse.Streaming streaming)) {
      throw new IllegalStateException("expected a stream, got status " + response.status());
    }
    long bytes = 0;
    try (UpstreamStream stream = streaming.stream()) {
      byte[] event;
      while ((event = stream.next()) != null) {
        bytes += event.length;
      }
      Usage usage = stream.usage();
      return bytes + usage.completionTokens();
    }
  }

  @Benchmark
  public long rawStream() throws IOException {
    Request httpRequest =
        new Request.Builder()
            .url(url)
            .header("Authorization", "Bearer " + Fixtures.UPSTREAM_KEY)
            .header("Accept", "text/event-stream")
            .post(RequestBody.create(rawBody, JSON))
            .build();
    try (Response response = raw.newCall(httpRequest).execute()) {
      BufferedSource source = response.body().source();
      Buffer sink = new Buffer();
      long total = 0;
      long read;
      while ((read = source.read(sink, 8192)) != -1) {
        total += read;
        sink.clear();
      }
      return total;
    }
  }
}
