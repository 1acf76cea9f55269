package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.JsonNode;
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
  private final ResponsesAnswer answer = new ResponsesAnswer();

  ResponsesAssembler(ResponsesStream stream) {
    this.stream = stream;
  }

  @Override
  public void accept(byte[] chunk) {
    JsonNode event = stream.lastEvent();
    if (event != null) {
      answer.accept(event);
    }
  }

  @Override
  public byte[] answer(boolean cut) {
    ObjectNode terminal = answer.terminal();
    ObjectNode body = !cut && terminal != null ? terminal : answer.incomplete(stream.usage());
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] failure(String message) {
    return ErrorJson.upstreamError(message);
  }
}
