package dev.pouch.adapters.anthropic;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import okio.BufferedSource;

/**
 * Reads a server-sent event stream one event at a time: the lines up to a blank line, kept as they
 * came (to forward) with the event's name and its {@code data} (to meter). An event is bounded, so
 * an endless line cannot exhaust memory. A small reader of the SSE format; the OpenAI adapter's
 * {@code SseEventReader} does the same over bytes and could serve both.
 */
final class SseEvents {
  /** The largest event accepted; an upstream that sends more is treated as broken. */
  static final long MAX_EVENT_BYTES = 16L << 20;

  /** One event: its name ({@code message} when unnamed), its data, and its bytes as received. */
  record Event(String name, String data, byte[] raw) {}

  private final BufferedSource source;

  SseEvents(BufferedSource source) {
    this.source = source;
  }

  /**
   * The next event with data, or {@code null} at the end of the stream.
   *
   * @throws IOException when the upstream breaks off, or sends an event above the bound
   */
  Event next() throws IOException {
    StringBuilder raw = new StringBuilder();
    StringBuilder data = null;
    String name = "message";
    while (true) {
      if (source.exhausted()) {
        if (data != null) {
          throw new EOFException("stream ended inside an event");
        }
        return null;
      }
      String line = source.readUtf8LineStrict(MAX_EVENT_BYTES);
      if (raw.length() + line.length() > MAX_EVENT_BYTES) {
        throw new IOException("an upstream event exceeds " + MAX_EVENT_BYTES + " bytes");
      }
      if (line.isEmpty()) {
        if (data == null) {
          raw.setLength(0); // a blank line without data (comments only): nothing to forward
          name = "message";
          continue;
        }
        raw.append('\n');
        return new Event(name, data.toString(), raw.toString().getBytes(StandardCharsets.UTF_8));
      }
      raw.append(line).append('\n');
      if (line.startsWith("event:")) {
        name = line.substring(6).strip();
      } else if (line.startsWith("data:")) {
        String value = line.substring(5);
        value = value.startsWith(" ") ? value.substring(1) : value;
        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      }
    }
  }
}
