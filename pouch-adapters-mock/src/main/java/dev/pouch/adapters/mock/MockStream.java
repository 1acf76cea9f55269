package dev.pouch.adapters.mock;

import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A generated answer ({@link GeneratedAnswer}: a {@link MockCompletion}, a {@link
 * MockTextCompletion}, a {@link MockResponse}) streamed as OpenAI's SSE events, one whole event per
 * {@link #next()}; for a chat completion: a role chunk per choice, one content chunk per token
 * (token by token, choice by choice), a finish chunk per choice, the usage chunk when asked for,
 * then {@code data: [DONE]}.
 *
 * <p>Pacing: {@code latencyMs} before the first event, {@code chunkDelayMs} before each further
 * one. The pauses end at once when {@link #close()} is called from another thread. With {@code
 * failAfterChunks = k > 0}, {@link #next()} throws after {@code k} content chunks. The usage is
 * always exact: the mock is its own upstream.
 */
public final class MockStream implements UpstreamStream {
  private final GeneratedAnswer completion;
  private final boolean includeUsage;
  private final long events;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();

  /** Guarded by {@link #lock}. */
  private boolean closed;

  /** Next event to emit; touched only by the pulling thread. */
  private long position;

  /** Content chunks (tokens) emitted; read by any thread. */
  private volatile long tokensEmitted;

  MockStream(GeneratedAnswer completion, boolean includeUsage) {
    this.completion = completion;
    this.includeUsage = includeUsage;
    this.events = completion.streamEvents(includeUsage);
  }

  @Override
  public byte[] next() throws IOException {
    if (position >= events) {
      return null;
    }
    MockBehavior behavior = completion.behavior();
    if (!pause(position == 0 ? behavior.latencyMs() : behavior.chunkDelayMs())) {
      return null;
    }
    long failAfter = behavior.failAfterChunks();
    if (failAfter > 0 && tokensEmitted >= failAfter) {
      throw new IOException("mock upstream failed mid-stream");
    }
    byte[] event = completion.streamEvent(position, includeUsage);
    if (completion.isContentEvent(position)) {
      tokensEmitted++;
    }
    position++;
    return event;
  }

  /** Waits {@code millis} unless closed first; returns whether the stream is still open. */
  private boolean pause(long millis) throws InterruptedIOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    lock.lock();
    try {
      while (!closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        wake.awaitNanos(left);
      }
      return false;
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while pacing the mock stream");
    } finally {
      lock.unlock();
    }
  }

  /**
   * The prompt tokens and the output tokens billed so far: those emitted, and candidates never
   * streamed (exact, reported by the mock itself).
   */
  @Override
  public Usage usage() {
    return Usage.reported(completion.promptTokens(), completion.unseenTokens() + tokensEmitted);
  }

  @Override
  public boolean streamsEveryOutputToken() {
    return completion.unseenTokens() == 0;
  }

  @Override
  public Optional<String> answerId() {
    return completion.answerId();
  }

  @Override
  public byte[] cutTrailer() {
    return completion.cutTrailer(position, tokensEmitted);
  }

  @Override
  public byte[] errorEvent(String message) {
    return completion.errorEvent(position, message);
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
