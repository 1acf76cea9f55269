package dev.pouch.adapters.mock;

import java.util.Objects;

/**
 * How the mock answers: what it says, how fast, and how it misbehaves.
 *
 * @param responseText the answer; its words are the answer's tokens
 * @param latencyMs pause before the answer (before the first event of a stream)
 * @param chunkDelayMs pause before each further event of a stream
 * @param ignoreMaxTokens answer longer than the client's {@code max_tokens} allows (at least {@code
 *     2 × max_tokens + 10} tokens, by repeating the text)
 * @param failAfterChunks break a stream off after this many content chunks (plain answers are not
 *     affected); 0 = never
 */
public record MockBehavior(
    String responseText,
    long latencyMs,
    long chunkDelayMs,
    boolean ignoreMaxTokens,
    long failAfterChunks) {

  /** The answer the mock gives unless configured otherwise. */
  public static final String DEFAULT_RESPONSE_TEXT =
      "Hello from the Pouch mock provider. This answer was generated without calling any upstream.";

  /** The default text, no pauses, no misbehaviour. */
  public static final MockBehavior DEFAULT =
      new MockBehavior(DEFAULT_RESPONSE_TEXT, 0, 0, false, 0);

  public MockBehavior {
    Objects.requireNonNull(responseText, "responseText");
    if (latencyMs < 0 || chunkDelayMs < 0 || failAfterChunks < 0) {
      throw new IllegalArgumentException("mock delays and counts cannot be negative");
    }
  }
}
