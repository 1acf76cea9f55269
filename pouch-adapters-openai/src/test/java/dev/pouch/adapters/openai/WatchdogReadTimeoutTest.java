package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The socket of an HTTP/1.1 exchange reads without {@code SO_TIMEOUT}; the read timeout itself
 * stays armed on okio's watchdog ({@code
 * OpenAiProviderTest.anUpstreamThatStallsMidStreamTimesOut}).
 */
class WatchdogReadTimeoutTest {
  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws IOException {
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** The socket's SO_TIMEOUT as the exchange runs, after the interceptors in front of it. */
  private int soTimeoutDuringExchange(boolean clear) throws IOException {
    AtomicInteger seen = new AtomicInteger(-1);
    OkHttpClient.Builder builder = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(7));
    if (clear) {
      builder.addNetworkInterceptor(WatchdogReadTimeout::clearSocketTimeout);
    }
    OkHttpClient client =
        builder
            .addNetworkInterceptor(
                chain -> {
                  seen.set(chain.connection().socket().getSoTimeout());
                  return chain.proceed(chain.request());
                })
            .build();
    server.enqueue(new MockResponse.Builder().body("ok").build());
    try (Response response =
        client.newCall(new Request.Builder().url(server.url("/")).build()).execute()) {
      assertThat(response.body().string()).isEqualTo("ok");
    } finally {
      client.connectionPool().evictAll();
      client.dispatcher().executorService().shutdown();
    }
    return seen.get();
  }

  @Test
  void okHttpSetsTheReadTimeoutOnTheSocketAndTheInterceptorClearsIt() throws IOException {
    assertThat(soTimeoutDuringExchange(false)).isEqualTo(7_000);
    assertThat(soTimeoutDuringExchange(true)).isZero();
  }
}
