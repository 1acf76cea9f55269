package dev.pouch.application.fakes;

import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted upstream stream: content chunks with their token counts, an optional break-off or
 * hang, and a usage chunk at the end (as OpenAI sends with {@code include_usage}). Before that
 * chunk its usage is its own count of what streamed; after it, the reported usage.
 */
public final class FakeStream implements UpstreamStream {
  /** What this fake sends when Pouch cuts it short. */
  public static final byte[] CUT_TRAILER =
      sse("{\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}\n\ndata: [DONE]");

  private sealed interface Step permits Chunk, Failure, Hang {}

  private record Chunk(String text, long tokens) implements Step {}

  private record Failure(String message) implements Step {}

  private record Hang() implements Step {}

  private final long promptTokens;
  private final List<Step> steps = new ArrayList<>();
  private final List<byte[]> sent = new ArrayList<>();
  private final AtomicInteger closes = new AtomicInteger();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final CountDownLatch hanging = new CountDownLatch(1);
  private boolean reportsUsage = true;
  private boolean everyTokenStreams;
  private int position;
  private long completionTokens;
  private volatile boolean usageSent;

  private FakeStream(long promptTokens) {
    this.promptTokens = promptTokens;
  }

  /** A stream whose prompt is billed at {@code promptTokens}; add steps before use. */
  public static FakeStream billingPrompt(long promptTokens) {
    return new FakeStream(promptTokens);
  }

  /** A content chunk that costs {@code tokens} output tokens. */
  public FakeStream chunk(String text, long tokens) {
    steps.add(new Chunk(text, tokens));
    return this;
  }

  /** {@code count} chunks of {@code tokensEach} tokens. */
  public FakeStream chunks(int count, long tokensEach) {
    for (int i = 0; i < count; i++) {
      chunk("part" + i + " ", tokensEach);
    }
    return this;
  }

  /** The connection breaks here. */
  public FakeStream breakOff(String message) {
    steps.add(new Failure(message));
    return this;
  }

  /** The upstream goes silent here until the stream is closed (then the read fails). */
  public FakeStream hangUntilClosed() {
    steps.add(new Hang());
    return this;
  }

  /** Every billed output token streams (no hidden reasoning): a cancel can be bounded. */
  public FakeStream streamingEveryToken() {
    everyTokenStreams = true;
    return this;
  }

  @Override
  public boolean streamsEveryOutputToken() {
    return everyTokenStreams;
  }

  /** No usage chunk at the end: only the count of what streamed is known. */
  public FakeStream withoutUsage() {
    reportsUsage = false;
    return this;
  }

  @Override
  public byte[] next() throws IOException {
    if (closed.getCount() == 0) {
      throw new IOException("stream closed");
    }
    if (position == steps.size()) {
      if (reportsUsage && !usageSent) {
        usageSent = true;
        return record(
            sse(
                "{\"choices\":[],\"usage\":{\"prompt_tokens\":"
                    + promptTokens
                    + ",\"completion_tokens\":"
                    + completionTokens
                    + "}}"));
      }
      return null;
    }
    Step step = steps.get(position++);
    if (step instanceof Chunk chunk) {
      completionTokens += chunk.tokens();
      return record(sse("{\"choices\":[{\"delta\":{\"content\":\"" + chunk.text() + "\"}}]}"));
    }
    if (step instanceof Failure failure) {
      throw new IOException(failure.message());
    }
    hanging.countDown();
    try {
      if (!closed.await(30, TimeUnit.SECONDS)) {
        throw new IOException("hung stream was never closed");
      }
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
    throw new IOException("stream cancelled");
  }

  @Override
  public Usage usage() {
    return usageSent
        ? Usage.reported(promptTokens, completionTokens)
        : Usage.counted(promptTokens, completionTokens);
  }

  @Override
  public byte[] cutTrailer() {
    return CUT_TRAILER.clone();
  }

  @Override
  public byte[] errorEvent(String message) {
    return errorEventFor(message);
  }

  /** The error event this fake sends for {@code message}. */
  public static byte[] errorEventFor(String message) {
    return sse("{\"error\":{\"message\":\"" + message + "\"}}");
  }

  @Override
  public void close() {
    closes.incrementAndGet();
    closed.countDown();
  }

  /** How often {@link #close()} was called. */
  public int closeCalls() {
    return closes.get();
  }

  public boolean isClosed() {
    return closed.getCount() == 0;
  }

  /** Waits until a reader is blocked on a {@link #hangUntilClosed()} step. */
  public void awaitHanging() throws InterruptedException {
    if (!hanging.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the stream was never read up to its hang");
    }
  }

  /** The chunks handed out so far, in order. */
  public synchronized List<byte[]> sent() {
    return List.copyOf(sent);
  }

  /** Output tokens produced so far. */
  public long completionTokens() {
    return completionTokens;
  }

  private synchronized byte[] record(byte[] chunk) {
    sent.add(chunk);
    return chunk;
  }

  private static byte[] sse(String data) {
    return ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
  }
}
