package dev.pouch.adapters.mock.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.MockBehavior;
import dev.pouch.adapters.mock.MockTokens;
import dev.pouch.adapters.mock.Sse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FakeOpenAiUpstreamTest {
  static final String TEXT = "one two three four five six seven eight";
  static final String PLAIN =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi there\"}]}";
  static final String STREAM =
      "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi there\"}]}";

  /** 3 + 4 + "user" + "Hi there". */
  static final long PROMPT = 3 + 4 + 1 + 2;

  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final FakeOpenAiUpstream upstream =
      FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));

  @AfterEach
  void close() {
    upstream.close();
  }

  HttpRequest.Builder post(String body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(upstream.baseUrl() + "/chat/completions"))
            .header("Authorization", "Bearer sk-test")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.setHeader(headers[i], headers[i + 1]);
    }
    return request;
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static void await(LongSupplier counter, long expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (counter.getAsLong() != expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(counter.getAsLong()).isEqualTo(expected);
  }

  @Test
  void answers_a_plain_request_with_a_chat_completion_and_counts_it() throws Exception {
    HttpResponse<String> response = send(post(PLAIN));

    assertThat(upstream.baseUrl()).isEqualTo("http://127.0.0.1:" + upstream.port() + "/v1");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode json = Sse.json(response.body());
    assertThat(json.path("object").asText()).isEqualTo("chat.completion");
    assertThat(json.path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(json.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo(TEXT);
    assertThat(json.path("usage").path("prompt_tokens").asLong()).isEqualTo(PROMPT);
    assertThat(json.path("usage").path("completion_tokens").asLong()).isEqualTo(8);
    assertThat(upstream.requestsReceived()).isEqualTo(1);
    assertThat(upstream.promptTokens()).isEqualTo(PROMPT);
    assertThat(upstream.completionTokensSent()).isEqualTo(8);
    assertThat(upstream.lastRequestBody()).hasValue(PLAIN);
    assertThat(upstream.requestBodies()).containsExactly(PLAIN);
    assertThat(upstream.lastAuthorization()).hasValue("Bearer sk-test");
  }

  @Test
  void streams_events_as_they_are_produced() throws Exception {
    // the next event comes ten minutes after the first: had the server held the first back with
    // the rest, this test would time out
    HttpResponse<InputStream> response =
        client.send(
            post(STREAM, "x-fake-chunk-delay-ms", "600000").build(),
            HttpResponse.BodyHandlers.ofInputStream());
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    // read on another thread: a read of the body ignores interrupts, a wait for it does not, so
    // the class's timeout can end this test (the upstream's close then ends the read)
    String first = CompletableFuture.supplyAsync(() -> readLine(reader)).get();

    try (reader) {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
      assertThat(first).startsWith("data: {").contains("\"role\":\"assistant\"");
      assertThat(upstream.completionTokensSent())
          .as("the first event arrived while the server still held every token")
          .isZero();
    }
  }

  @Test
  void a_whole_stream_carries_the_text_and_the_usage_and_is_counted() throws Exception {
    HttpResponse<String> response = send(post(STREAM));

    List<String> payloads = Sse.payloads(response.body());
    assertThat(payloads).last().isEqualTo("[DONE]");
    List<JsonNode> chunks = Sse.chunks(payloads);
    assertThat(Sse.content(chunks, 0)).isEqualTo(TEXT);
    JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(PROMPT);
    assertThat(usage.path("completion_tokens").asLong()).isEqualTo(8);
    await(upstream::streamsCompleted, 1);
    assertThat(upstream.completionTokensSent()).isEqualTo(8);
    assertThat(upstream.streamsAborted()).isZero();
  }

  @Test
  void header_overrides_omit_usage_and_ignore_max_tokens() throws Exception {
    String limited = STREAM.replace("\"stream\":true", "\"stream\":true,\"max_tokens\":2");

    HttpResponse<String> omitted = send(post(STREAM, "x-fake-omit-usage", "true"));
    HttpResponse<String> ignored = send(post(limited, "x-fake-ignore-max-tokens", "true"));
    HttpResponse<String> plain =
        send(
            post(
                PLAIN.replace("{\"model\"", "{\"max_tokens\":2,\"model\""),
                "x-fake-ignore-max-tokens",
                "1",
                "x-fake-omit-usage",
                "1"));
    HttpResponse<String> badHeader = send(post(PLAIN, "x-fake-latency-ms", "soon"));

    assertThat(Sse.chunks(Sse.payloads(omitted.body())))
        .noneMatch(chunk -> chunk.has("usage") && !chunk.get("usage").isNull());
    List<JsonNode> chunks = Sse.chunks(Sse.payloads(ignored.body()));
    assertThat(MockTokens.count(Sse.content(chunks, 0))).isEqualTo(16);
    assertThat(chunks.get(chunks.size() - 1).path("usage").path("completion_tokens").asLong())
        .isEqualTo(16);
    JsonNode plainJson = Sse.json(plain.body());
    assertThat(plainJson.has("usage")).isFalse();
    assertThat(
            MockTokens.count(
                plainJson.path("choices").get(0).path("message").path("content").asText()))
        .isEqualTo(16);
    assertThat(badHeader.statusCode()).isEqualTo(400);
    assertThat(upstream.completionTokensSent()).isEqualTo(8 + 16 + 16);
  }

  @Test
  void refuses_requests_without_a_bearer_key() throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create(upstream.baseUrl() + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(PLAIN))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> empty = send(post(PLAIN, "Authorization", "Bearer  "));

    assertThat(response.statusCode()).isEqualTo(401);
    JsonNode error = Sse.json(response.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("code").asText()).isEqualTo("invalid_api_key");
    assertThat(error.has("param")).isTrue();
    assertThat(empty.statusCode()).isEqualTo(401);
    assertThat(upstream.requestsReceived()).isEqualTo(2);
    assertThat(upstream.completionTokensSent()).isZero();
  }

  @Test
  void bad_json_and_invalid_fields_get_openai_400_errors() throws Exception {
    HttpResponse<String> broken = send(post("{\"model\":"));
    HttpResponse<String> notObject = send(post("[1,2]"));
    HttpResponse<String> noMessages = send(post("{\"model\":\"m\",\"messages\":[]}"));

    assertThat(broken.statusCode()).isEqualTo(400);
    assertThat(Sse.json(broken.body()).path("error").path("type").asText())
        .isEqualTo("invalid_request_error");
    assertThat(notObject.statusCode()).isEqualTo(400);
    assertThat(noMessages.statusCode()).isEqualTo(400);
    assertThat(Sse.json(noMessages.body()).path("error").path("param").asText())
        .isEqualTo("messages");
  }

  @Test
  void a_forced_status_answers_with_an_openai_error() throws Exception {
    HttpResponse<String> limited = send(post(PLAIN, "x-fake-status", "429"));
    HttpResponse<String> failed = send(post(PLAIN, "x-fake-status", "500"));

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(Sse.json(limited.body()).path("error").path("code").asText())
        .isEqualTo("rate_limit_exceeded");
    assertThat(failed.statusCode()).isEqualTo(500);
    assertThat(Sse.json(failed.body()).path("error").path("type").asText())
        .isEqualTo("server_error");
    assertThat(upstream.completionTokensSent()).isZero();
  }

  @Test
  void lists_models() throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create(upstream.baseUrl() + "/models"))
                .header("Authorization", "Bearer sk-test")
                .build(),
            HttpResponse.BodyHandlers.ofString());

    JsonNode json = Sse.json(response.body());
    assertThat(json.path("object").asText()).isEqualTo("list");
    assertThat(json.path("data").get(0).path("id").asText()).isEqualTo("mock-model");
    assertThat(json.path("data").get(0).path("object").asText()).isEqualTo("model");
  }

  @Test
  void fail_after_chunks_drops_the_connection_mid_stream() throws Exception {
    HttpResponse<InputStream> response =
        client.send(
            post(STREAM, "x-fake-fail-after-chunks", "3").build(),
            HttpResponse.BodyHandlers.ofInputStream());

    StringBuilder received = new StringBuilder();
    assertThatThrownBy(
            () -> {
              try (InputStream body = response.body()) {
                byte[] buffer = new byte[256];
                for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
                  received.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
              }
            })
        .isInstanceOf(IOException.class);
    // A dropped connection may cost the client the bytes still in flight: what arrived is a
    // prefix of the three tokens, never more and never a clean end.
    assertThat("one two three")
        .startsWith(Sse.content(Sse.chunks(Sse.payloads(completeEvents(received.toString()))), 0));
    assertThat(received.toString()).doesNotContain("[DONE]");
    assertThat(upstream.completionTokensSent()).isEqualTo(3);
  }

  @Test
  void a_client_that_leaves_mid_stream_is_counted_as_an_abort() throws Exception {
    String body = STREAM.replace("\"stream\":true", "\"stream\":true,\"max_tokens\":100");
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket("127.0.0.1", upstream.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + "Authorization: Bearer sk-test\r\nContent-Type: application/json\r\n"
                  + "x-fake-chunk-delay-ms: 100\r\nx-fake-ignore-max-tokens: true\r\n"
                  + "Content-Length: "
                  + bytes.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      for (String line = reader.readLine(); !line.contains("\"content\":\" two\""); ) {
        line = reader.readLine();
      }
    }

    await(upstream::streamsAborted, 1);
    assertThat(upstream.streamsCompleted()).isZero();
    // the answer runs to 216 tokens, 100 ms apart: stopped long before its end, however late this
    // thread got to close the socket
    assertThat(upstream.completionTokensSent()).isBetween(2L, 100L);
  }

  @Test
  void a_hanging_upstream_never_answers_and_its_close_ends_the_hanging_request() throws Exception {
    CompletableFuture<HttpResponse<String>> answer =
        client.sendAsync(post(PLAIN, "x-fake-hang", "true").build(), BodyHandlers.ofString());
    await(upstream::requestsReceived, 1);

    upstream.close();

    assertThat(upstream.threadsEnded())
        .as("the hanging request's thread ended with the close, before it gave up waiting")
        .isTrue();
    assertThatThrownBy(answer::get)
        .as("the connection was dropped without an answer")
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IOException.class);
  }

  @Test
  void the_default_settings_use_the_mock_text() {
    assertThat(FakeUpstreamSettings.DEFAULT.behavior()).isEqualTo(MockBehavior.DEFAULT);
    assertThat(FakeUpstreamSettings.DEFAULT.withHang(true).hang()).isTrue();
  }

  private static String readLine(BufferedReader reader) {
    try {
      return reader.readLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The text up to the last complete SSE event (a reset may cut one in half). */
  private static String completeEvents(String received) {
    int end = received.lastIndexOf("\n\n");
    return end < 0 ? "" : received.substring(0, end + 2);
  }
}
