package dev.pouch.domain.provider;

/**
 * Frames a streamed answer back into the plain answer a client asked for: framing only. Pouch's
 * core pulls the stream, cuts it at the cap, tells a broken stream from a finished one and settles
 * (G4–G6); the assembler only turns the chunks it is given into the provider's answer shape.
 *
 * <p>Used by one thread, right after each {@link UpstreamStream#next()}: an assembler may read what
 * its stream just parsed instead of parsing the chunk again.
 */
public interface AnswerAssembler {

  /** Takes the bytes {@link UpstreamStream#next()} just returned. */
  void accept(byte[] chunk);

  /**
   * The plain answer from the chunks accepted.
   *
   * @param cut whether Pouch cut the answer at the cap (the answer then ends as a length stop)
   */
  byte[] answer(boolean cut);

  /** The error body a client gets when the upstream broke off before the answer was complete. */
  byte[] failure(String message);
}
