package dev.pouch.adapters.mock;

import java.util.List;

/**
 * What the mock generates for one answer, whatever the API: its words, how many tokens it produces
 * (one per word, cut at the request's limit, or past it when the behaviour ignores limits), and
 * whether the limit cut it.
 *
 * @param words the response text's words
 * @param tokens output tokens of the answer
 * @param limited whether the request's limit stopped it (a {@code length}/{@code max_tokens} end)
 */
record MockOutput(List<String> words, long tokens, boolean limited) {

  /** The answer {@code behavior} gives under {@code limit} ({@code null}: none). */
  static MockOutput of(MockBehavior behavior, Long limit) {
    List<String> words = List.copyOf(MockTokens.words(behavior.responseText()));
    if (behavior.ignoreMaxTokens()) {
      return new MockOutput(words, MockCompletion.ignoringLimit(words.size(), limit), false);
    }
    if (limit != null && limit < words.size()) {
      return new MockOutput(words, limit, true);
    }
    return new MockOutput(words, words.size(), false);
  }
}
