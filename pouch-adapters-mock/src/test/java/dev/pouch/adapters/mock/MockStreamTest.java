package dev.pouch.adapters.mock;

import static dev.pouch.adapters.mock.Requests.chat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MockStreamTest {
  static final String TEXT = MockProviderTest.TEXT;
  static final Map<String, Object> STREAM_WITH_USAGE =
      Map.of("stream", true, "stream_options", Map.of("include_usage", true));

  static ProviderResponse.Streaming streaming(Provider provider, ChatRequest request, long cap) {
    return (ProviderResponse.Streaming) provider.execute(request, new UpstreamCall("r", cap));
  }

  /** Pulls every event; asserts each is one whole SSE event. */
  static List<String> drain(UpstreamStream stream) throws IOException {
    List<String> payloads = new ArrayList<>();
    for (byte[] event = stream.next(); event != null; event = stream.next()) {
      payloads.add(Sse.payload(event));
    }
    assertThat(stream.next()).isNull();
    return payloads;
  }

  static ChatRequest withUsage(Object... extra) {
    ChatRequest request = chat(extra);
    for (Map.Entry<String, Object> field : STREAM_WITH_USAGE.entrySet()) {
      request = request.with(field.getKey(), field.getValue());
    }
    return request;
  }

  @Test
  void streams_the_same_text_as_the_plain_answer_with_usage_last_when_asked() throws IOException {
    Provider provider = MockProviderTest.provider(Map.of());
    ChatRequest request = withUsage();
    ProviderResponse.Streaming response = streaming(provider, request, 1000);

    List<String> payloads;
    try (UpstreamStream stream = response.stream()) {
      payloads = drain(stream);
      assertThat(stream.usage())
          .isEqualTo(
              Usage.reported(
                  MockProviderTest.CHAT_PROMPT_TOKENS, MockProviderTest.DEFAULT_ANSWER_TOKENS));
    }

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headers())
        .containsEntry("Content-Type", "text/event-stream")
        .containsEntry("Cache-Control", "no-cache");
    assertThat(payloads.get(payloads.size() - 1)).isEqualTo("[DONE]");
    List<JsonNode> chunks = Sse.chunks(payloads);
    String plain =
        Sse.json(
                ((ProviderResponse.Complete) provider.execute(chat(), MockProviderTest.UNCAPPED))
                    .body())
            .path("choices")
            .get(0)
            .path("message")
            .path("content")
            .asText();
    assertThat(Sse.content(chunks, 0)).isEqualTo(plain);
    String id = chunks.get(0).path("id").asText();
    for (JsonNode chunk : chunks) {
      assertThat(chunk.path("id").asText()).isEqualTo(id);
      assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
      assertThat(chunk.path("model").asText()).isEqualTo("mock-model");
      assertThat(chunk.path("system_fingerprint").asText()).isEqualTo("fp_mock");
      assertThat(chunk.has("usage")).isTrue();
    }
    JsonNode role = chunks.get(0).path("choices").get(0);
    assertThat(role.path("delta").path("role").asText()).isEqualTo("assistant");
    assertThat(role.path("delta").path("content").asText()).isEmpty();
    assertThat(role.get("logprobs").isNull()).isTrue();
    assertThat(role.get("finish_reason").isNull()).isTrue();
    assertThat(chunks.get(1).path("choices").get(0).path("delta").path("content").asText())
        .isEqualTo("Hello");
    assertThat(chunks.get(2).path("choices").get(0).path("delta").path("content").asText())
        .isEqualTo(" from");
    JsonNode finish = chunks.get(chunks.size() - 2);
    assertThat(finish.path("choices").get(0).path("delta").size()).isZero();
    assertThat(finish.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    assertThat(finish.get("usage").isNull()).isTrue();
    JsonNode usage = chunks.get(chunks.size() - 1);
    assertThat(usage.path("choices")).isEmpty();
    assertThat(usage.path("usage").path("completion_tokens").asLong())
        .isEqualTo(MockProviderTest.DEFAULT_ANSWER_TOKENS);
    assertThat(usage.path("usage").path("prompt_tokens").asLong())
        .isEqualTo(MockProviderTest.CHAT_PROMPT_TOKENS);
  }

  @Test
  void without_include_usage_there_is_no_usage_chunk_and_no_usage_field() throws IOException {
    Provider provider = MockProviderTest.provider(Map.of("response_text", TEXT));

    List<String> payloads;
    try (UpstreamStream stream = streaming(provider, chat("stream", true), 100).stream()) {
      payloads = drain(stream);
    }

    // role + 8 tokens + finish + [DONE]
    assertThat(payloads).hasSize(11).last().isEqualTo("[DONE]");
    for (JsonNode chunk : Sse.chunks(payloads)) {
      assertThat(chunk.has("usage")).isFalse();
      assertThat(chunk.path("choices")).hasSize(1);
    }
  }

  @Test
  void n_choices_stream_token_by_token_and_max_tokens_ends_with_length() throws IOException {
    Provider provider = MockProviderTest.provider(Map.of("response_text", TEXT));

    List<JsonNode> chunks;
    UpstreamStream stream = streaming(provider, withUsage("n", 2, "max_tokens", 3), 6).stream();
    try (stream) {
      chunks = Sse.chunks(drain(stream));
    }

    assertThat(Sse.content(chunks, 0)).isEqualTo("one two three");
    assertThat(Sse.content(chunks, 1)).isEqualTo("one two three");
    assertThat(chunks.get(2).path("choices").get(0).path("index").asInt()).isZero();
    assertThat(chunks.get(3).path("choices").get(0).path("index").asInt()).isEqualTo(1);
    assertThat(chunks)
        .filteredOn(c -> c.path("choices").path(0).path("finish_reason").isTextual())
        .extracting(c -> c.path("choices").get(0).path("finish_reason").asText())
        .containsExactly("length", "length");
    assertThat(chunks.get(chunks.size() - 1).path("usage").path("completion_tokens").asLong())
        .isEqualTo(6);
    assertThat(stream.usage().completionTokens()).isEqualTo(6);
  }

  @Test
  void ignoring_max_tokens_streams_past_the_output_cap() throws IOException {
    Provider provider =
        MockProviderTest.provider(Map.of("response_text", TEXT, "ignore_max_tokens", true));

    UpstreamStream stream = streaming(provider, withUsage("max_tokens", 5), 5).stream();
    List<JsonNode> chunks;
    try (stream) {
      chunks = Sse.chunks(drain(stream));
    }

    assertThat(MockTokens.count(Sse.content(chunks, 0))).isEqualTo(24);
    assertThat(stream.usage().completionTokens()).isEqualTo(24).isGreaterThan(5);
  }

  @Test
  void fail_after_chunks_breaks_the_stream_after_that_many_tokens() throws IOException {
    Provider provider =
        MockProviderTest.provider(Map.of("response_text", TEXT, "fail_after_chunks", 3));

    try (UpstreamStream stream = streaming(provider, withUsage(), 100).stream()) {
      List<String> payloads = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        payloads.add(Sse.payload(stream.next()));
      }
      assertThat(Sse.content(Sse.chunks(payloads), 0)).isEqualTo("one two three");
      assertThatThrownBy(stream::next)
          .isInstanceOf(IOException.class)
          .hasMessage("mock upstream failed mid-stream");
      assertThat(stream.usage()).isEqualTo(Usage.reported(MockProviderTest.CHAT_PROMPT_TOKENS, 3));
    }
  }

  @Test
  void close_ends_the_stream_and_is_idempotent() throws IOException {
    Provider provider = MockProviderTest.provider(Map.of("response_text", TEXT));
    UpstreamStream stream = streaming(provider, chat("stream", true), 100).stream();

    stream.next();
    stream.next();
    stream.close();
    stream.close();

    assertThat(stream.next()).isNull();
    assertThat(stream.usage().completionTokens()).isEqualTo(1);
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES) // a guard against a hang, not a performance check
  void close_from_another_thread_wakes_a_stream_sleeping_in_its_chunk_delay() throws Exception {
    Provider provider = MockProviderTest.provider(Map.of("stream_chunk_delay_ms", 60_000));
    UpstreamStream stream = streaming(provider, chat("stream", true), 100).stream();
    assertThat(stream.next()).isNotNull();

    CompletableFuture<byte[]> pending = new CompletableFuture<>();
    Thread puller =
        new Thread(
            () -> {
              try {
                pending.complete(stream.next());
              } catch (IOException | RuntimeException e) {
                pending.completeExceptionally(e);
              }
            });
    puller.start();
    awaitState(puller, Thread.State.TIMED_WAITING); // asleep in the minute's pause
    stream.close();

    // half the pause: only the close can have ended it this soon
    assertThat(pending.get(30, TimeUnit.SECONDS)).isNull();
  }

  /** Waits until {@code thread} is in {@code state}: it has got that far. */
  private static void awaitState(Thread thread, Thread.State state) throws InterruptedException {
    while (thread.getState() != state) {
      assertThat(thread.isAlive()).as("%s ended before reaching %s", thread, state).isTrue();
      Thread.sleep(1);
    }
  }

  @Test
  void the_latency_comes_before_the_first_event_and_the_chunk_delay_before_each_other()
      throws IOException {
    Provider provider =
        MockProviderTest.provider(
            Map.of("response_text", "a b", "latency_ms", 100, "stream_chunk_delay_ms", 20));
    long start = System.nanoTime();

    try (UpstreamStream stream = streaming(provider, chat("stream", true), 100).stream()) {
      stream.next();
      long first = (System.nanoTime() - start) / 1_000_000;
      assertThat(first).isGreaterThanOrEqualTo(100);
      drain(stream); // 2 tokens + finish + DONE
    }

    assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(100 + 4 * 20);
  }

  @Test
  void the_cut_trailer_and_error_event_are_valid_sse() {
    Provider provider = MockProviderTest.provider(Map.of());
    try (UpstreamStream stream = streaming(provider, chat("stream", true), 100).stream()) {
      assertThat(new String(stream.cutTrailer(), StandardCharsets.UTF_8))
          .isEqualTo("data: [DONE]\n\n");
      JsonNode error = Sse.json(Sse.payload(stream.errorEvent("it \"broke\"\nbadly")));
      assertThat(error.path("error").path("message").asText()).isEqualTo("it \"broke\"\nbadly");
      assertThat(error.path("error").path("type").asText()).isEqualTo("upstream_error");
      assertThat(error.path("error").path("code").asText()).isEqualTo("upstream_error");
      assertThat(error.path("error").has("param")).isTrue();
    }
  }
}
