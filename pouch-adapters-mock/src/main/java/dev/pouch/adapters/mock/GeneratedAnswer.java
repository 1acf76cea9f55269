package dev.pouch.adapters.mock;

import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.error.ErrorJson;
import java.util.Optional;

/**
 * One answer the mock generated (a {@link MockCompletion}, a {@link MockTextCompletion}): whole, as
 * OpenAI's JSON, or as the events a {@link MockStream} plays in order, with which of them carry one
 * output token each.
 */
public interface GeneratedAnswer {

  /**
   * The answer as a paced stream of these events.
   *
   * @param includeUsage whether to send the usage chunk at the end
   */
  MockStream stream(boolean includeUsage);

  /** Pacing and failures of the stream. */
  MockBehavior behavior();

  /** The prompt tokens the answer bills. */
  long promptTokens();

  /** The output tokens the whole answer bills. */
  long completionTokens();

  /** The exact usage of the whole answer. */
  Usage usage();

  /** This answer limited to {@code outputCap} output tokens over every answer billed. */
  GeneratedAnswer capped(long outputCap);

  /**
   * The whole answer as OpenAI's JSON.
   *
   * @param withUsage whether to include the {@code usage} object (OpenAI always does)
   */
  byte[] toJson(boolean withUsage);

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

  /**
   * What ends the stream cleanly when Pouch cuts it. The default is chat's {@code data: [DONE]}.
   *
   * @param position the position of the next event (the sequence number it would have)
   * @param tokensEmitted the output tokens streamed so far
   */
  default byte[] cutTrailer(long position, long tokensEmitted) {
    return OpenAiJson.doneEvent();
  }

  /** The event telling the client the stream failed, at {@code position}; chat's by default. */
  default byte[] errorEvent(long position, String message) {
    return ErrorJson.upstreamErrorEvent(message);
  }

  /** The id a later request may continue the answer by (the Responses API's), or empty. */
  default Optional<String> answerId() {
    return Optional.empty();
  }
}
