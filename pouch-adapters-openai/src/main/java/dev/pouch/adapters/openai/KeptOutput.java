package dev.pouch.adapters.openai;

import java.util.ArrayList;
import java.util.List;

/**
 * The output texts of a stream, kept to be counted only if the upstream sends no usage (it usually
 * does). Counting each delta as it comes (o200k, a regex per call) cost more than the rest of the
 * metering together. Each delta is still counted on its own: a delta is usually one generated
 * token, and counting the joined text could come out lower than what was generated. Thread-safe.
 */
final class KeptOutput {
  /** Output text kept for a later count before it is counted at once (bounds the memory). */
  private static final long MAX_UNCOUNTED_CHARS = 16_384;

  private final TokenCounter tokens;
  private final TokenEncoding encoding;
  private final List<String> uncounted = new ArrayList<>(); // guarded by this
  private long uncountedChars; // guarded by this
  private long counted; // guarded by this

  KeptOutput(TokenCounter tokens, TokenEncoding encoding) {
    this.tokens = tokens;
    this.encoding = encoding;
  }

  /** Keeps output texts (never empty ones) to count later. */
  synchronized void keep(List<String> texts) {
    for (String text : texts) {
      keep(text);
    }
  }

  /** Keeps one output text to count later. */
  synchronized void keep(String text) {
    uncounted.add(text);
    uncountedChars += text.length();
    if (uncountedChars > MAX_UNCOUNTED_CHARS) {
      count(); // bounds the memory a long answer holds
    }
  }

  /** The tokens of every text kept so far. */
  synchronized long count() {
    for (String text : uncounted) {
      counted += tokens.count(text, encoding);
    }
    uncounted.clear();
    uncountedChars = 0;
    return counted;
  }
}
