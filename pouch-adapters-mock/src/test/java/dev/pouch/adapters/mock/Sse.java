package dev.pouch.adapters.mock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Test helpers for OpenAI SSE streams and JSON. */
public final class Sse {
  private Sse() {}

  /** The payloads of the {@code data: ...\n\n} events in {@code body}, in order. */
  public static List<String> payloads(String body) {
    List<String> payloads = new ArrayList<>();
    for (String event : body.split("\n\n")) {
      if (!event.isEmpty()) {
        if (!event.startsWith("data: ")) {
          throw new AssertionError("not an SSE data event: " + event);
        }
        payloads.add(event.substring("data: ".length()));
      }
    }
    return payloads;
  }

  /** The payload of one event that must be exactly one {@code data: ...\n\n} event. */
  public static String payload(byte[] event) {
    List<String> payloads = payloads(new String(event, StandardCharsets.UTF_8));
    if (payloads.size() != 1 || !new String(event, StandardCharsets.UTF_8).endsWith("\n\n")) {
      throw new AssertionError(
          "not exactly one event: " + new String(event, StandardCharsets.UTF_8));
    }
    return payloads.get(0);
  }

  /** Parses JSON. */
  public static JsonNode json(String text) {
    try {
      return OpenAiJson.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }

  /** Parses JSON bytes. */
  public static JsonNode json(byte[] bytes) {
    return json(new String(bytes, StandardCharsets.UTF_8));
  }

  /** The JSON chunks of a stream's payloads ({@code [DONE]} left out). */
  public static List<JsonNode> chunks(List<String> payloads) {
    List<JsonNode> chunks = new ArrayList<>();
    for (String payload : payloads) {
      if (!payload.equals("[DONE]")) {
        chunks.add(json(payload));
      }
    }
    return chunks;
  }

  /** The concatenated {@code delta.content} of choice {@code index}. */
  public static String content(List<JsonNode> chunks, int index) {
    StringBuilder text = new StringBuilder();
    for (JsonNode chunk : chunks) {
      for (JsonNode choice : chunk.path("choices")) {
        if (choice.path("index").asInt() == index && choice.path("delta").has("content")) {
          text.append(choice.path("delta").path("content").asText());
        }
      }
    }
    return text.toString();
  }
}
