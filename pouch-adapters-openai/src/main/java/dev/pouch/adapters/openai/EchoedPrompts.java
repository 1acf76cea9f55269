package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.provider.CompletionRequest;
import java.util.List;

/**
 * Which streamed text of a legacy completion with {@code echo} is its prompt repeated rather than
 * output, so that the lower bound of the output produced ({@code producedAtLeast}, which decides
 * the cut) does not count it: an honest upstream echoing a long prompt would otherwise be cut.
 * Answer {@code i} belongs to prompt {@code i / n} (OpenAI returns the answers prompt by prompt).
 *
 * <p>A chunk of an answer counts as output only once the answer's text before it covers the whole
 * echo: for a text prompt, its length in characters (the echo is the prompt itself); for a token
 * array, whose text Pouch cannot know, as many chunks as it has tokens (each chunk of the echo
 * carries at least one of them). Text the upstream generated in a chunk that also ends the echo, or
 * that an upstream ignoring {@code echo} sends first, goes uncounted: the count stays a lower
 * bound. What is charged is not affected: a count of the streamed text includes the echo and errs
 * high. Used by the stream's reading thread only.
 */
final class EchoedPrompts {
  private final int n;
  private final long[] echoChars; // per prompt
  private final long[] echoChunks; // per prompt
  private final long[] seenChars; // per answer
  private final long[] seenChunks; // per answer

  private EchoedPrompts(int n, long[] echoChars, long[] echoChunks) {
    this.n = n;
    this.echoChars = echoChars;
    this.echoChunks = echoChunks;
    this.seenChars = new long[echoChars.length * n];
    this.seenChunks = new long[echoChars.length * n];
  }

  /** The echo of {@code request}, or null when it asks for none. */
  static EchoedPrompts of(CompletionRequest request) {
    if (!request.echo()) {
      return null;
    }
    List<Object> prompts = request.prompts();
    long[] chars = new long[prompts.size()];
    long[] chunks = new long[prompts.size()];
    for (int p = 0; p < prompts.size(); p++) {
      if (prompts.get(p) instanceof String text) {
        chars[p] = text.length();
      } else {
        chunks[p] = ((List<?>) prompts.get(p)).size();
      }
    }
    return new EchoedPrompts(request.n(), chars, chunks);
  }

  /**
   * How many of {@code chunk}'s choices carry output past their echo. A choice without an index is
   * answer 0; one whose index names no answer of the request is counted as output (an honest
   * upstream never sends one).
   */
  long outputChunks(JsonNode chunk) {
    long output = 0;
    for (JsonNode choice : chunk.path("choices")) {
      JsonNode text = choice.path("text");
      if (!text.isTextual() || text.asText().isEmpty()) {
        continue;
      }
      JsonNode index = choice.path("index");
      int answer = index.isMissingNode() ? 0 : index.canConvertToInt() ? index.asInt() : -1;
      if (!(index.isMissingNode() || index.isIntegralNumber())
          || answer < 0
          || answer >= seenChars.length) {
        output++;
        continue;
      }
      int prompt = answer / n;
      if (seenChars[answer] >= echoChars[prompt] && seenChunks[answer] >= echoChunks[prompt]) {
        output++;
      }
      seenChars[answer] += text.asText().length();
      seenChunks[answer]++;
    }
    return output;
  }
}
