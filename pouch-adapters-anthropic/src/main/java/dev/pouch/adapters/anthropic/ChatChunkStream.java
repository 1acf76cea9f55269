package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.error.ErrorJson;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A Messages stream relayed as chat-completion chunks: {@code message_start} → the role chunk, text
 * deltas → content deltas, a {@code tool_use} block → a tool-call delta with its index, id and
 * name, then its {@code input_json_delta}s as argument fragments, {@code message_delta} → the
 * finish chunk, {@code message_stop} → the usage chunk (when the client asked for it) and {@code
 * [DONE]}. Metering is the wrapped {@link MessagesStream}'s, event by event; only the framing
 * changes. A cut ends with a {@code length} finish chunk and {@code [DONE]}; a break with OpenAI's
 * error event.
 */
final class ChatChunkStream implements UpstreamStream {
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

  private final MessagesStream events;
  private final ObjectMapper json;
  private final boolean includeUsage;
  private final long created;
  private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
  private String id = "msg";
  private String model = "";
  private JsonNode inputUsage;
  private JsonNode finalUsage;
  private boolean started;
  private boolean finishSent;

  ChatChunkStream(MessagesStream events, ObjectMapper json, boolean includeUsage, long created) {
    this.events = events;
    this.json = json;
    this.includeUsage = includeUsage;
    this.created = created;
  }

  @Override
  public byte[] next() throws IOException {
    while (true) {
      if (events.next() == null) {
        return null;
      }
      byte[] chunks = translate(events.lastEvent());
      if (chunks.length > 0) {
        return chunks;
      }
    }
  }

  /**
   * The chunks one event becomes (none for pings, block stops and events without a counterpart).
   */
  private byte[] translate(JsonNode event) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    switch (event.path("type").asText("")) {
      case "message_start":
        started = true;
        id = event.path("message").path("id").asText(id);
        model = event.path("message").path("model").asText(model);
        inputUsage = event.path("message").path("usage");
        ObjectNode role = json.createObjectNode();
        role.put("role", "assistant");
        role.put("content", "");
        write(out, chunk(role, null));
        break;
      case "content_block_start":
        JsonNode block = event.path("content_block");
        if ("tool_use".equals(block.path("type").asText(""))) {
          int index = toolIndexByBlock.size();
          toolIndexByBlock.put(event.path("index").asInt(), index);
          ObjectNode call = toolCall(index);
          call.put("id", block.path("id").asText(""));
          call.put("type", "function");
          ObjectNode function = call.putObject("function");
          function.put("name", block.path("name").asText(""));
          function.put("arguments", "");
          write(out, chunk(wrap(call), null));
        }
        break;
      case "content_block_delta":
        JsonNode delta = event.path("delta");
        String type = delta.path("type").asText("");
        if ("text_delta".equals(type)) {
          ObjectNode text = json.createObjectNode();
          text.put("content", delta.path("text").asText(""));
          write(out, chunk(text, null));
        } else if ("input_json_delta".equals(type)) {
          Integer index = toolIndexByBlock.get(event.path("index").asInt());
          if (index != null) {
            ObjectNode call = toolCall(index);
            call.putObject("function").put("arguments", delta.path("partial_json").asText(""));
            write(out, chunk(wrap(call), null));
          }
        }
        break;
      case "message_delta":
        String reason =
            ChatAnswers.finishReason(event.path("delta").path("stop_reason").asText(null));
        if (reason != null) {
          finalUsage = event.path("usage");
          finishSent = true;
          write(out, chunk(json.createObjectNode(), reason));
        }
        break;
      case "message_stop":
        if (includeUsage && finalUsage != null) {
          ObjectNode usage = base();
          usage.putArray("choices");
          ObjectNode merged = json.createObjectNode();
          if (inputUsage != null && inputUsage.isObject()) {
            merged.setAll((ObjectNode) inputUsage);
          }
          if (finalUsage.isObject()) {
            merged.setAll((ObjectNode) finalUsage);
          }
          usage.set("usage", ChatAnswers.usage(json, merged));
          write(out, usage);
        }
        out.writeBytes(DONE);
        break;
      default:
        break; // ping, block stops, thinking: nothing a chat completion shows
    }
    return out.toByteArray();
  }

  private ObjectNode toolCall(int index) {
    ObjectNode call = json.createObjectNode();
    call.put("index", index);
    return call;
  }

  private ObjectNode wrap(ObjectNode call) {
    ObjectNode delta = json.createObjectNode();
    delta.putArray("tool_calls").add(call);
    return delta;
  }

  private ObjectNode base() {
    ObjectNode chunk = json.createObjectNode();
    chunk.put("id", id);
    chunk.put("object", "chat.completion.chunk");
    chunk.put("created", created);
    chunk.put("model", model);
    return chunk;
  }

  private ObjectNode chunk(ObjectNode delta, String finishReason) {
    ObjectNode chunk = base();
    ObjectNode choice = chunk.putArray("choices").addObject();
    choice.put("index", 0);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    return chunk;
  }

  private void write(ByteArrayOutputStream out, ObjectNode chunk) {
    try {
      out.writeBytes("data: ".getBytes(StandardCharsets.UTF_8));
      out.writeBytes(json.writeValueAsBytes(chunk));
      out.writeBytes("\n\n".getBytes(StandardCharsets.UTF_8));
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  @Override
  public Usage usage() {
    return events.usage();
  }

  @Override
  public long producedAtLeast() {
    return events.producedAtLeast();
  }

  @Override
  public boolean finished() {
    return events.finished();
  }

  /**
   * A {@code length} finish chunk when the answer had begun and not finished, then {@code [DONE]}.
   */
  @Override
  public byte[] cutTrailer() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (started && !finishSent) {
      finishSent = true;
      write(out, chunk(json.createObjectNode(), "length"));
    }
    out.writeBytes(DONE);
    return out.toByteArray();
  }

  @Override
  public byte[] errorEvent(String message) {
    return ErrorJson.upstreamErrorEvent(message);
  }

  @Override
  public void close() {
    events.close();
  }
}
