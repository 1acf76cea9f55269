package dev.pouch.adapters.openai;

import java.io.IOException;
import java.util.Arrays;
import okio.Buffer;
import okio.BufferedSource;

/**
 * Reads server-sent events from an upstream body as bytes, one whole event at a time. An event
 * comes back as the client gets it: its lines, each ending in {@code \n} (a {@code \r\n} ending
 * becomes {@code \n}), then the {@code \n} of the blank line that ends it. Bytes are never decoded:
 * most events go to the client unchanged, and decoding each to text and back cost more than reading
 * its JSON.
 */
final class SseEventReader {
  private final BufferedSource source;
  private final long maxEvent;
  private byte[] event = new byte[512];
  private int size;

  /**
   * @param maxEvent the most bytes an event may have; no honest one comes near it, and a broken or
   *     hostile upstream fails instead of filling the heap
   */
  SseEventReader(BufferedSource source, long maxEvent) {
    this.source = source;
    this.maxEvent = maxEvent;
  }

  /**
   * The next event, or null at the end of the body (a last event without its blank line counts).
   */
  byte[] next() throws IOException {
    size = 0;
    while (true) {
      long newline = source.indexOf((byte) '\n', 0, maxEvent - size);
      Buffer buffer = source.getBuffer();
      if (newline < 0) {
        if (buffer.size() >= maxEvent - size) {
          throw new IOException("an upstream event is longer than " + maxEvent + " bytes");
        }
        if (source.exhausted()) {
          return size == 0 ? null : finish();
        }
        append(buffer, buffer.size(), buffer.size()); // the body's last line, without its newline
        continue;
      }
      int strip = newline > 0 && buffer.getByte(newline - 1) == '\r' ? 1 : 0;
      if (newline == strip) {
        buffer.skip(newline + 1);
        if (size > 0) {
          return finish();
        }
        continue; // stray blank lines between events
      }
      append(buffer, newline - strip, newline + 1);
    }
  }

  /**
   * Whether a whole event has already arrived, so that {@link #next()} returns it without waiting
   * for the upstream: its lines and the blank line that ends it are all in the buffer.
   */
  boolean hasBufferedEvent() {
    Buffer buffer = source.getBuffer();
    long buffered = buffer.size();
    boolean lines = false;
    for (long from = 0; from < buffered; ) {
      long newline = buffer.indexOf((byte) '\n', from, buffered);
      if (newline < 0) {
        return false;
      }
      long length = newline - from;
      boolean blank = length == 0 || (length == 1 && buffer.getByte(from) == '\r');
      if (blank && lines) {
        return true;
      }
      lines |= !blank;
      from = newline + 1;
    }
    return false;
  }

  /** Appends {@code length} bytes of the buffer and a newline, and drops {@code consumed} bytes. */
  private void append(Buffer buffer, long length, long consumed) throws IOException {
    int line = (int) length;
    if (event.length < size + line + 2) {
      event = Arrays.copyOf(event, Math.max(event.length * 2, size + line + 2));
    }
    for (int read = 0; read < line; ) {
      read += buffer.read(event, size + read, line - read);
    }
    size += line;
    event[size++] = '\n';
    buffer.skip(consumed - length);
  }

  private byte[] finish() {
    event[size++] = '\n';
    return Arrays.copyOf(event, size);
  }

  /**
   * Where the data starts in an event that is one {@code data} line (the usual chunk), or -1 for
   * any other event (several lines, other fields, comments). The data ends two bytes before the
   * event's end.
   */
  static int singleDataLine(byte[] event) {
    int end = event.length - 2;
    if (end < 5
        || event[0] != 'd'
        || event[1] != 'a'
        || event[2] != 't'
        || event[3] != 'a'
        || event[4] != ':') {
      return -1;
    }
    for (int i = 5; i < end; i++) {
      if (event[i] == '\n') {
        return -1;
      }
    }
    return end > 5 && event[5] == ' ' ? 6 : 5;
  }

  /** The event without any occurrence of {@code part} (the same array when there is none). */
  static byte[] withoutAll(byte[] event, byte[] part) {
    int found = indexOf(event, part, 0);
    if (found < 0) {
      return event;
    }
    byte[] out = new byte[event.length];
    int size = 0;
    int from = 0;
    while (found >= 0) {
      System.arraycopy(event, from, out, size, found - from);
      size += found - from;
      from = found + part.length;
      found = indexOf(event, part, from);
    }
    System.arraycopy(event, from, out, size, event.length - from);
    return Arrays.copyOf(out, size + event.length - from);
  }

  private static int indexOf(byte[] bytes, byte[] part, int from) {
    outer:
    for (int i = from; i <= bytes.length - part.length; i++) {
      for (int j = 0; j < part.length; j++) {
        if (bytes[i + j] != part[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
