package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.Response;

/**
 * A Messages stream as it arrives: each event forwarded as received, metered by a {@link
 * MessagesMeter}. A stream Pouch cuts at the cap ends as Anthropic ends an answer that reached
 * {@code max_tokens}: the open content block stopped, a {@code message_delta} with {@code
 * stop_reason: "max_tokens"} and the output relayed, and {@code message_stop} — so the SDKs finish
 * their message normally. A broken one gets Anthropic's {@code event: error} first.
 */
final class MessagesStream implements UpstreamStream {
  private final Call call;
  private final Response response;
  private final SseEvents events;
  private final ObjectMapper json;
  private final MessagesMeter meter;
  private final AtomicBoolean closed = new AtomicBoolean();
  private JsonNode lastEvent;

  MessagesStream(Call call, Response response, ObjectMapper json, boolean mayWriteCache) {
    this.call = call;
    this.response = response;
    this.events = new SseEvents(response.body().source());
    this.json = json;
    this.meter = new MessagesMeter(mayWriteCache);
  }

  @Override
  public byte[] next() throws IOException {
    SseEvents.Event event = events.next();
    if (event == null) {
      lastEvent = null;
      return null;
    }
    try {
      lastEvent = json.readTree(event.data());
    } catch (JsonProcessingException notJson) {
      throw new IOException("the upstream sent an event that is not JSON", notJson);
    }
    if (lastEvent == null || !lastEvent.isObject()) {
      throw new IOException("the upstream sent an event that is not a JSON object");
    }
    meter.accept(lastEvent);
    return event.raw();
  }

  /** The data of the event {@link #next()} returned last, parsed (for the assembler). */
  JsonNode lastEvent() {
    return lastEvent;
  }

  @Override
  public Usage usage() {
    return meter.usage();
  }

  @Override
  public long producedAtLeast() {
    return meter.producedAtLeast();
  }

  @Override
  public boolean finished() {
    return meter.finished();
  }

  @Override
  public byte[] cutTrailer() {
    if (!meter.started()) {
      return new byte[0]; // no message began: the error event alone says what happened
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (meter.openBlock() >= 0) {
      write(
          out,
          "content_block_stop",
          "{\"type\":\"content_block_stop\",\"index\":" + meter.openBlock() + "}");
    }
    write(
        out,
        "message_delta",
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\","
            + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":"
            + meter.producedAtLeast()
            + "}}");
    write(out, "message_stop", "{\"type\":\"message_stop\"}");
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, String name, String data) {
    out.writeBytes(
        ("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public byte[] errorEvent(String message) {
    return AnthropicErrorJson.event("api_error", message);
  }

  /** Cancels the call first, so the upstream sees the connection drop at once. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      call.cancel();
      try {
        response.close();
      } catch (RuntimeException ignored) {
        // a cancelled call's body may refuse to close cleanly; the connection is gone either way
      }
    }
  }
}
