package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.UpstreamException;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import dev.pouch.domain.provider.UpstreamStream;
import dev.pouch.testkit.PlainAnswers;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import okio.BufferedSource;
import okio.Okio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The provider against OkHttp's MockWebServer: what goes upstream, what comes back, metered. */
class OpenAiProviderTest {
  private final MockWebServer server = new MockWebServer();
  private OpenAiProviderFactory factory;
  private Provider provider;

  @BeforeEach
  void start() throws IOException {
    server.start();
    factory =
        new OpenAiProviderFactory(
            new OpenAiSettings("sk-server", "http://unused/v1", null), Clock.systemUTC());
    provider = provider(server.url("/v1").toString(), 5);
  }

  /** A key's provider for the upstream at {@code baseUrl}, configured as the admin form would. */
  private Provider provider(String baseUrl, long timeoutSeconds) {
    PluginConfig config =
        factory
            .info()
            .schema()
            .validate(Map.of("base_url", baseUrl, "timeout_seconds", timeoutSeconds));
    return factory.create(config);
  }

  @AfterEach
  void stop() throws IOException {
    factory.close();
    server.close();
  }

  private static ChatRequest request(String model, boolean stream, boolean includeUsage) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", model);
    body.put("messages", List.of(Map.of("role", "user", "content", "Hello there")));
    body.put("max_tokens", 50);
    if (stream) {
      body.put("stream", true);
      if (includeUsage) {
        body.put("stream_options", Map.of("include_usage", true));
      }
    }
    return ChatRequest.of(body);
  }

  private static String chunk(String content) {
    return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
        + content
        + "\"},\"finish_reason\":null}],\"usage\":null}\n\n";
  }

  private static final String USAGE_CHUNK =
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}\n\n";

  private static List<String> drain(UpstreamStream stream) throws IOException {
    List<String> events = new ArrayList<>();
    for (byte[] event = stream.next(); event != null; event = stream.next()) {
      events.add(new String(event, StandardCharsets.UTF_8));
    }
    stream.close();
    return events;
  }

  @Test
  void aPlainAnswerIsBilledFromItsUsageWithCachedTokensApart() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "application/json")
            .addHeader("x-request-id", "req-upstream")
            .body(
                "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":7,\"total_tokens\":1207,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":1024},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}")
            .build());

    ProviderResponse.Complete answer =
        PlainAnswers.read(
            provider.execute(request("gpt-4o", false, false), new UpstreamCall("req_1", 50)), 50);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.usage()).isEqualTo(new Usage(1200, 1024, 7, UsageSource.REPORTED));
    assertThat(answer.headers()).containsEntry("x-request-id", "req-upstream");
    RecordedRequest sent = server.takeRequest();
    assertThat(sent.getHeaders().get("Authorization")).isEqualTo("Bearer sk-server");
    assertThat(sent.getHeaders().get("X-Request-Id")).isEqualTo("req_1");
    assertThat(sent.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
  }

  @Test
  void aPlainAnswerWithoutUsageIsCountedFromItsText() {
    server.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "application/json")
            .body(
                "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello world\"}}]}")
            .build());

    ProviderResponse.Complete answer =
        PlainAnswers.read(
            provider.execute(request("gpt-4o", false, false), new UpstreamCall("r", 50)), 50);

    // OpenAI's cookbook: 3 tokens per message plus its strings' tokens, 3 to prime the reply;
    // gpt-4o uses o200k_base, counted here by jtokkit itself ("user" 1, "Hello there" 2: 9)
    Encoding o200k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    long prompt = 3 + o200k.countTokens("user") + o200k.countTokens("Hello there") + 3;
    assertThat(answer.usage().source()).isEqualTo(UsageSource.COUNTED);
    assertThat(answer.usage().completionTokens()).isEqualTo(o200k.countTokens("Hello world"));
    assertThat(answer.usage().promptTokens()).isEqualTo(prompt);
  }

  @Test
  void aReasoningModelsLimitIsSentAsMaxCompletionTokens() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "application/json")
            .body("{\"choices\":[]}")
            .build());

    provider.execute(request("o3", false, false), new UpstreamCall("r", 50));

    JsonNode sent = OpenAiProvider.MAPPER.readTree(server.takeRequest().getBody().utf8());
    assertThat(sent.has("max_tokens")).isFalse();
    assertThat(sent.get("max_completion_tokens").asInt()).isEqualTo(50);
  }

  @Test
  void aStreamAsksForUsageAndHidesItFromAClientThatDidNot() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "text/event-stream")
            .body(chunk("Hel") + chunk("lo") + chunk(" there") + USAGE_CHUNK + "data: [DONE]\n\n")
            .build());

    ProviderResponse.Streaming response =
        (ProviderResponse.Streaming)
            provider.execute(request("gpt-4o", true, false), new UpstreamCall("r", 50));
    List<String> events = drain(response.stream());

    JsonNode sent = OpenAiProvider.MAPPER.readTree(server.takeRequest().getBody().utf8());
    assertThat(sent.at("/stream_options/include_usage").asBoolean()).isTrue();
    assertThat(events).hasSize(4).last().isEqualTo("data: [DONE]\n\n");
    assertThat(String.join("", events)).doesNotContain("usage");
    assertThat(response.stream().usage()).isEqualTo(new Usage(9, 0, 3, UsageSource.REPORTED));
  }

  @Test
  void aStreamKeepsTheUsageChunkForAClientThatAskedForIt() throws Exception {
    String body = chunk("Hi") + USAGE_CHUNK + "data: [DONE]\n\n";
    server.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "text/event-stream")
            .body(body)
            .build());

    ProviderResponse.Streaming response =
        (ProviderResponse.Streaming)
            provider.execute(request("gpt-4o", true, true), new UpstreamCall("r", 50));

    assertThat(String.join("", drain(response.stream()))).isEqualTo(body);
  }

  @Test
  void aStreamFramedWithCrlfReachesTheClientWithLfAndWithoutTheUsage() throws Exception {
    String body = chunk("Hel") + chunk("lo") + USAGE_CHUNK + "data: [DONE]\n\n";
    server.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "text/event-stream")
            .body(body.replace("\n", "\r\n"))
            .build());

    ProviderResponse.Streaming response =
        (ProviderResponse.Streaming)
            provider.execute(request("gpt-4o", true, false), new UpstreamCall("r", 50));

    assertThat(drain(response.stream()))
        .containsExactly(
            chunk("Hel").replace(",\"usage\":null", ""),
            chunk("lo").replace(",\"usage\":null", ""),
            "data: [DONE]\n\n");
    assertThat(response.stream().usage()).isEqualTo(new Usage(9, 0, 3, UsageSource.REPORTED));
  }

  @Test
  void eventsThatAreNotOneLineOfUtf8AreMeteredAndForwardedByteForByte() throws Exception {
    // a delta with a byte that is not UTF-8, then one whose data spans two lines after a field
    String chunk = chunk("a");
    String head = chunk.substring(0, chunk.indexOf("\"a\"") + 2); // up to the content's "a
    String tail = chunk.substring(head.length());
    byte[] first = new Buffer().writeUtf8(head).writeByte(0xFF).writeUtf8(tail).readByteArray();
    String twoLines =
        "event: message\ndata: {\"id\":\"c\",\"choices\":[{\"index\":0,\n"
            + "data: \"delta\":{\"content\":\" world\"},\"finish_reason\":null}]}\n\n";
    server.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "text/event-stream")
            .body(new Buffer().write(first).writeUtf8(twoLines).writeUtf8("data: [DONE]\n\n"))
            .build());

    ProviderResponse.Streaming response =
        (ProviderResponse.Streaming)
            provider.execute(request("gpt-4o", true, false), new UpstreamCall("r", 50));
    UpstreamStream stream = response.stream();
    List<byte[]> events = new ArrayList<>();
    for (byte[] event = stream.next(); event != null; event = stream.next()) {
      events.add(event);
    }

    byte[] firstForwarded =
        new Buffer()
            .writeUtf8(head)
            .writeByte(0xFF)
            .writeUtf8(tail.replace(",\"usage\":null", ""))
            .readByteArray();
    assertThat(events).hasSize(3);
    assertThat(events.get(0)).isEqualTo(firstForwarded);
    assertThat(new String(events.get(1), StandardCharsets.UTF_8)).isEqualTo(twoLines);
    assertThat(stream.producedAtLeast()).as("both deltas carried output").isEqualTo(2);
    assertThat(stream.usage().source()).isEqualTo(UsageSource.COUNTED);
    assertThat(stream.usage().completionTokens()).isGreaterThanOrEqualTo(2);
    stream.close();
  }

  @Test
  void anUpstreamThatStallsMidStreamTimesOut() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    try (ServerSocket stalling = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread upstream = new Thread(() -> sendOneEventThenStall(stalling, chunk("Hel"), done));
      upstream.start();
      Provider oneSecond = provider("http://127.0.0.1:" + stalling.getLocalPort() + "/v1", 1);
      ProviderResponse.Streaming response =
          (ProviderResponse.Streaming)
              oneSecond.execute(request("gpt-4o", true, false), new UpstreamCall("r", 50));
      UpstreamStream stream = response.stream();

      assertThat(stream.next()).isNotNull();
      // the upstream sends nothing more until the test ends: the read gives up after 1 s
      assertThatThrownBy(stream::next)
          .isInstanceOf(InterruptedIOException.class)
          .hasMessageContaining("timeout");
      stream.close();
      done.countDown();
      upstream.join();
    }
  }

  /** Answers one request with the head of a stream and one event, then stalls until done. */
  private static void sendOneEventThenStall(
      ServerSocket server, String event, CountDownLatch done) {
    try (Socket socket = server.accept()) {
      BufferedSource in = Okio.buffer(Okio.source(socket));
      long length = 0;
      for (String line = in.readUtf8LineStrict(); !line.isEmpty(); line = in.readUtf8LineStrict()) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Long.parseLong(line.substring("content-length:".length()).trim());
        }
      }
      in.skip(length);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                  + "Transfer-Encoding: chunked\r\n\r\n"
                  + Integer.toHexString(event.length())
                  + "\r\n"
                  + event
                  + "\r\n")
              .getBytes(StandardCharsets.UTF_8));
      out.flush();
      done.await();
    } catch (IOException | InterruptedException ended) {
      // the test is over
    }
  }

  @Test
  void aStreamWithoutUsageIsCountedAsItArrives() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "text/event-stream")
            .body(chunk("Hello") + chunk(" world") + "data: [DONE]\n\n")
            .build());

    ProviderResponse.Streaming response =
        (ProviderResponse.Streaming)
            provider.execute(request("gpt-4o", true, false), new UpstreamCall("r", 50));
    UpstreamStream stream = response.stream();
    stream.next();
    assertThat(stream.usage().completionTokens()).isEqualTo(1);
    drain(stream);

    assertThat(stream.usage().source()).isEqualTo(UsageSource.COUNTED);
    assertThat(stream.usage().completionTokens()).isEqualTo(2);
  }

  /**
   * Only the adapter's part: the usage is unknown, not counted. That the core then charges the full
   * reservation is {@code OpenAiUpstreamTest.aReasoningModelsStreamWithoutUsage…} (server, HTTP).
   */
  @Test
  void aReasoningStreamWithoutUsageLeavesItsUsageUnknown() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "text/event-stream")
            .body(chunk("Answer") + "data: [DONE]\n\n")
            .build());

    ProviderResponse.Streaming response =
        (ProviderResponse.Streaming)
            provider.execute(request("o3", true, false), new UpstreamCall("r", 50));
    drain(response.stream());

    assertThat(response.stream().usage().source()).isEqualTo(UsageSource.UNKNOWN);
  }

  @Test
  void aReasoningPlainAnswerWithoutUsageLeavesItsUsageUnknownAssembledOrNot() {
    // a plain request goes upstream as a stream: the upstream streams, or answers in JSON anyway
    server.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "text/event-stream")
            .body(chunk("Answer") + "data: [DONE]\n\n")
            .build());
    server.enqueue(
        new MockResponse.Builder()
            .addHeader("Content-Type", "application/json")
            .body(
                "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Answer\"}}]}")
            .build());

    ProviderResponse.Complete assembled =
        PlainAnswers.read(
            provider.execute(request("o3", false, false), new UpstreamCall("r", 50)), 50);
    ProviderResponse.Complete json =
        PlainAnswers.read(
            provider.execute(request("o3", false, false), new UpstreamCall("r", 50)), 50);

    assertThat(assembled.status()).isEqualTo(200);
    assertThat(assembled.usage().source()).isEqualTo(UsageSource.UNKNOWN);
    assertThat(json.status()).isEqualTo(200);
    assertThat(json.usage().source()).isEqualTo(UsageSource.UNKNOWN);
  }

  @Test
  void upstreamErrorsComeBackWithTheirStatusAndBody() {
    String body =
        "{\"error\":{\"message\":\"nope\",\"type\":\"invalid_request_error\",\"code\":\"bad\",\"param\":null}}";
    server.enqueue(
        new MockResponse.Builder()
            .code(400)
            .addHeader("Content-Type", "application/json")
            .body(body)
            .build());

    ProviderResponse.Complete answer =
        PlainAnswers.read(
            provider.execute(request("gpt-4o", true, false), new UpstreamCall("r", 50)), 50);

    assertThat(answer.status()).isEqualTo(400);
    assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo(body);
  }

  @Test
  void anUnreachableUpstreamIsAnUpstreamError() throws IOException {
    server.close();

    assertThatThrownBy(
            () -> provider.execute(request("gpt-4o", false, false), new UpstreamCall("r", 50)))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_UNREACHABLE));
  }

  @Test
  void modelsAreThePriceTablesWithItsVersion() {
    assertThat(provider.model("gpt-4o-2024-08-06"))
        .hasValueSatisfying(
            m -> {
              assertThat(m.id()).isEqualTo("gpt-4o-2024-08-06");
              assertThat(m.price()).isNotNull();
              assertThat(m.pricedAs()).contains(factory.prices().version());
            });
    assertThat(provider.model("my-local-llama")).isEmpty();
  }

  @Test
  void thePriorityServiceTierIsRefusedBecauseItCostsMoreThanTheTableSays() {
    Map<String, Object> body = new LinkedHashMap<>(request("gpt-4o", false, false).body());
    body.put("service_tier", "priority");

    assertThatThrownBy(() -> provider.execute(ChatRequest.of(body), new UpstreamCall("r", 50)))
        .isInstanceOfSatisfying(
            dev.pouch.domain.error.RequestRejectedException.class,
            e -> assertThat(e.param()).isEqualTo("service_tier"));
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void anInvalidBaseUrlIsRefusedWhenTheKeyIsConfigured() {
    assertThatThrownBy(() -> factory.info().schema().validate(Map.of("base_url", "not a url")))
        .hasMessageContaining("base_url");
  }
}
