package dev.pouch.bench;

import dev.pouch.application.port.in.RequestMeta;
import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.ResponseStream;
import dev.pouch.domain.key.AppKey;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The whole core path without the HTTP server: authenticate, checks, estimate (2 KB prompt),
 * durable reservation, the upstream call to an in-process upstream on 127.0.0.1, metering and
 * durable settlement with its request-log row — what {@code POST /v1/chat/completions} costs on top
 * of Javalin/Jetty. One thread, and 16 threads at once on one key.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ProxyPathBench {
  private StaticUpstream upstream;
  private Fixtures.PouchUnderTest pouch;
  private ProxyChat proxy;
  private String header;
  private Map<String, Object> plainBody;
  private Map<String, Object> streamBody;

  @Setup(Level.Trial)
  public void setUp() {
    upstream = new StaticUpstream(48);
    pouch = new Fixtures.PouchUnderTest(upstream.baseUrl());
    proxy = pouch.pouch.proxy();
    header = "Bearer " + pouch.secret;
    String prompt = Fixtures.prompt(2048);
    plainBody = Fixtures.chatBody(prompt, false);
    streamBody = Fixtures.chatBody(prompt, true);
    if (plainRequest() != 200 || streamedRequest() <= 0) {
      throw new IllegalStateException("the proxy path did not answer");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pouch.close();
    upstream.close();
  }

  @Benchmark
  public int plainRequest() {
    AppKey key = proxy.authenticate(header);
    ProxyResponse response = proxy.chatCompletions(key, plainBody, RequestMeta.of(proxy.newRequestId()));
    return response.status();
  }

  @Benchmark
  @Threads(16)
  public int plainRequest16Threads() {
    return plainRequest();
  }

  @Benchmark
  public long streamedRequest() {
    AppKey key = proxy.authenticate(header);
    ProxyResponse response = proxy.chatCompletions(key, streamBody, RequestMeta.of(proxy.newRequestId()));
    if (!(response instanceof ProxyResponse.Streaming streaming)) {
      throw new IllegalStateException("expected a stream, got status " + response.status());
    }
    long bytes = 0;
    try (ResponseStream stream = streaming.stream()) {
      byte[] chunk;
      while ((chunk = stream.next()) != null) {
        bytes += chunk.length;
      }
    }
    return bytes;
  }
}
