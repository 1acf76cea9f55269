package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.error.ErrorJson;
import dev.pouch.domain.provider.AnswerAssembler;
import java.nio.charset.StandardCharsets;

/**
 * Serves a plain Responses API request from the stream Pouch asked the upstream for (so an upstream
 * that ignores {@code max_output_tokens} is stopped at the cap): the response of {@code
 * response.completed} (or {@code response.incomplete}) exactly as the upstream sent it; an answer
 * Pouch cut becomes a response with {@code status "incomplete"}, {@code incomplete_details.reason
 * "max_output_tokens"}, the output that arrived and Pouch's usage. Framing only: the events were
 * read once, by the stream's meter ({@link ResponsesAnswer}).
 */
final class ResponsesAssembler implements AnswerAssembler {
  private final ResponsesStream stream;

  ResponsesAssembler(ResponsesStream stream) {
    this.stream = stream;
  }

  @Override
  public void accept(byte[] chunk) {
    // the stream's meter already fed the answer
  }

  @Override
  public byte[] answer(boolean cut) {
    ObjectNode terminal = stream.answer().terminal();
    ObjectNode answer =
        !cut && terminal != null ? terminal : stream.answer().incomplete(stream.usage());
    return answer.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] failure(String message) {
    return ErrorJson.upstreamError(message);
  }
}
