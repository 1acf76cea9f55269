package dev.pouch.adapters.mock;

/**
 * The events a {@link MockStream} plays: one generated answer as OpenAI streams it (a chat
 * completion's chunks, a text completion's chunks), in order, with which of them carry one output
 * token each.
 */
public interface StreamScript {

  /** Pacing and failures of the stream. */
  MockBehavior behavior();

  /** The prompt tokens the answer bills. */
  long promptTokens();

  /** How many events the stream has, the usage chunk included when asked for. */
  long streamEvents(boolean includeUsage);

  /** Whether event {@code position} carries one output token. */
  boolean isContentEvent(long position);

  /** Event {@code position} (0-based), or {@code null} past the end. */
  byte[] streamEvent(long position, boolean includeUsage);

  /**
   * Output tokens billed that no event carries (candidates generated server-side and not returned,
   * as OpenAI's {@code best_of} does): in the usage from the start. The default is none.
   */
  default long unseenTokens() {
    return 0;
  }
}
