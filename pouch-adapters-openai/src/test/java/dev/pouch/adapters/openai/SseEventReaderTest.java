package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import okio.Buffer;
import org.junit.jupiter.api.Test;

class SseEventReaderTest {

  private static List<String> events(String body, long maxEvent) throws IOException {
    SseEventReader reader = new SseEventReader(new Buffer().writeUtf8(body), maxEvent);
    List<String> events = new ArrayList<>();
    for (byte[] event = reader.next(); event != null; event = reader.next()) {
      events.add(new String(event, StandardCharsets.UTF_8));
    }
    return events;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void eventsComeWholeWithLfEndingsAndStrayBlankLinesDropped() throws IOException {
    String body = "data: a\n\ndata: b\r\n\r\n\n\r\n: comment\nevent: x\r\ndata: c\n\n";

    assertThat(events(body, 1_000))
        .containsExactly("data: a\n\n", "data: b\n\n", ": comment\nevent: x\ndata: c\n\n");
  }

  @Test
  void aLastEventWithoutItsBlankLineOrNewlineStillCounts() throws IOException {
    assertThat(events("data: a\n\ndata: b\ndata: c", 1_000))
        .containsExactly("data: a\n\n", "data: b\ndata: c\n\n");
    assertThat(events("", 1_000)).isEmpty();
    assertThat(events("\n\n\r\n", 1_000)).isEmpty();
  }

  @Test
  void anEventLongerThanTheLimitFailsInsteadOfFillingTheHeap() {
    // one endless line, and endless short lines without the blank line that ends an event
    assertThatThrownBy(() -> events("data: " + "x".repeat(200), 64))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("longer than 64 bytes");
    assertThatThrownBy(() -> events("data: x\n".repeat(50), 64))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("longer than 64 bytes");
  }

  @Test
  void bytesAcrossBufferSegmentsComeBackUnchanged() throws IOException {
    // okio buffers in 8 KiB segments: a long event of multi-byte characters spans several
    String text = "data: {\"content\":\"" + "é漢🙂".repeat(3_000) + "\"}";
    String event = text + "\n\n";

    assertThat(events(event + event, 1 << 20)).containsExactly(event, event);
  }

  @Test
  void singleDataLineFindsWhereTheDataStarts() {
    assertThat(SseEventReader.singleDataLine(bytes("data: {}\n\n"))).isEqualTo(6);
    assertThat(SseEventReader.singleDataLine(bytes("data:{}\n\n"))).isEqualTo(5);
    assertThat(SseEventReader.singleDataLine(bytes("data:\n\n"))).isEqualTo(5);
    assertThat(SseEventReader.singleDataLine(bytes("data: a\ndata: b\n\n"))).isEqualTo(-1);
    assertThat(SseEventReader.singleDataLine(bytes("event: x\n\n"))).isEqualTo(-1);
    assertThat(SseEventReader.singleDataLine(bytes(": data\n\n"))).isEqualTo(-1);
  }

  @Test
  void withoutAllRemovesEveryOccurrenceAndKeepsTheArrayWhenThereIsNone() {
    byte[] part = bytes(",\"usage\":null");
    byte[] none = bytes("data: {\"a\":1}\n\n");

    assertThat(SseEventReader.withoutAll(none, part)).isSameAs(none);
    assertThat(
            SseEventReader.withoutAll(
                bytes("data: {\"a\":1,\"usage\":null,\"b\":{\"c\":2,\"usage\":null}}\n\n"), part))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("data: {\"a\":1,\"b\":{\"c\":2}}\n\n");
  }
}
