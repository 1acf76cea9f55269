package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.domain.error.ErrorJson;
import dev.pouch.domain.provider.AnswerAssembler;
import java.io.IOException;
import java.time.Clock;

/**
 * A plain chat completion from a Messages stream: the {@link MessageAssembler} rebuilds the {@code
 * message}, which {@link ChatAnswers} words as a {@code chat.completion}; a failure is OpenAI's
 * error object. Framing only: the stream is metered by the core as on {@code /v1/messages}.
 */
final class ChatCompletionAssembler implements AnswerAssembler {
  private final ObjectMapper json;
  private final MessageAssembler message;
  private final Clock clock;

  ChatCompletionAssembler(ObjectMapper json, MessageAssembler message, Clock clock) {
    this.json = json;
    this.message = message;
    this.clock = clock;
  }

  @Override
  public void accept(byte[] chunk) {
    message.accept(chunk);
  }

  @Override
  public byte[] answer(boolean cut) {
    try {
      return json.writeValueAsBytes(
          ChatAnswers.completion(
              json, json.readTree(message.answer(cut)), clock.instant().getEpochSecond()));
    } catch (IOException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  @Override
  public byte[] failure(String text) {
    return ErrorJson.upstreamError(text);
  }
}
