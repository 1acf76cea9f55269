package dev.pouch.adapters.mock.upstream;

import dev.pouch.adapters.mock.MockBehavior;
import java.util.Objects;

/**
 * How a {@link FakeOpenAiUpstream} answers. Each value can be overridden per request by a header
 * ({@code x-fake-latency-ms}, {@code x-fake-chunk-delay-ms}, {@code x-fake-ignore-max-tokens},
 * {@code x-fake-fail-after-chunks}, {@code x-fake-omit-usage}, {@code x-fake-hang}).
 *
 * @param responseText the answer; each word is one token
 * @param latencyMs pause before the answer (before a stream's headers and first event)
 * @param chunkDelayMs pause before each further stream event
 * @param ignoreMaxTokens answer with at least {@code 2 × max_tokens + 10} tokens whatever the
 *     client asked, streamed or not (the upstream Pouch must protect itself from)
 * @param failAfterChunks drop a stream's connection after this many content chunks (plain answers
 *     are not affected); 0 = never
 * @param omitUsage never send usage: no usage chunk in streams, no {@code usage} in plain answers
 * @param hang accept requests and never answer (until the server closes)
 */
public record FakeUpstreamSettings(
    String responseText,
    long latencyMs,
    long chunkDelayMs,
    boolean ignoreMaxTokens,
    long failAfterChunks,
    boolean omitUsage,
    boolean hang) {

  /** The mock's default text, no pauses, well-behaved. */
  public static final FakeUpstreamSettings DEFAULT =
      new FakeUpstreamSettings(MockBehavior.DEFAULT_RESPONSE_TEXT, 0, 0, false, 0, false, false);

  public FakeUpstreamSettings {
    Objects.requireNonNull(responseText, "responseText");
    behavior(responseText, latencyMs, chunkDelayMs, ignoreMaxTokens, failAfterChunks);
  }

  /** The generation settings shared with the in-process mock. */
  public MockBehavior behavior() {
    return behavior(responseText, latencyMs, chunkDelayMs, ignoreMaxTokens, failAfterChunks);
  }

  private static MockBehavior behavior(
      String text, long latency, long chunkDelay, boolean ignore, long failAfter) {
    return new MockBehavior(text, latency, chunkDelay, ignore, failAfter);
  }

  public FakeUpstreamSettings withResponseText(String value) {
    return new FakeUpstreamSettings(
        value, latencyMs, chunkDelayMs, ignoreMaxTokens, failAfterChunks, omitUsage, hang);
  }

  public FakeUpstreamSettings withLatencyMs(long value) {
    return new FakeUpstreamSettings(
        responseText, value, chunkDelayMs, ignoreMaxTokens, failAfterChunks, omitUsage, hang);
  }

  public FakeUpstreamSettings withChunkDelayMs(long value) {
    return new FakeUpstreamSettings(
        responseText, latencyMs, value, ignoreMaxTokens, failAfterChunks, omitUsage, hang);
  }

  public FakeUpstreamSettings withIgnoreMaxTokens(boolean value) {
    return new FakeUpstreamSettings(
        responseText, latencyMs, chunkDelayMs, value, failAfterChunks, omitUsage, hang);
  }

  public FakeUpstreamSettings withFailAfterChunks(long value) {
    return new FakeUpstreamSettings(
        responseText, latencyMs, chunkDelayMs, ignoreMaxTokens, value, omitUsage, hang);
  }

  public FakeUpstreamSettings withOmitUsage(boolean value) {
    return new FakeUpstreamSettings(
        responseText, latencyMs, chunkDelayMs, ignoreMaxTokens, failAfterChunks, value, hang);
  }

  public FakeUpstreamSettings withHang(boolean value) {
    return new FakeUpstreamSettings(
        responseText, latencyMs, chunkDelayMs, ignoreMaxTokens, failAfterChunks, omitUsage, value);
  }
}
