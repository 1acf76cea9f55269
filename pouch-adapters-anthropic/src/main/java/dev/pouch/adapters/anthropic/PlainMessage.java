package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.ProviderResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import okhttp3.Response;

/**
 * A plain Messages answer fetched plain: the {@code message} object passed on as it is (or worded
 * as a {@code chat.completion} by {@link ChatAnswers}), charged the {@code usage} it reports, read
 * as strictly as a stream's ({@link MessagesMeter#read}). An answer without usage is charged its
 * full reservation ({@link Usage#UNKNOWN}), and never fewer output tokens than its blocks with
 * output; one that is not a message at all is a 502, charged the same way: the upstream had the
 * request and may have billed it.
 */
final class PlainMessage {
  private PlainMessage() {}

  static ProviderResponse.Complete read(
      Response response, ObjectMapper json, boolean mayWriteCache, boolean chat, Clock clock)
      throws IOException {
    byte[] body = AnthropicHttp.answerBody(response);
    Map<String, String> headers = AnthropicHttp.headers(response, "application/json");
    headers.put("Content-Type", "application/json");
    JsonNode message;
    try {
      message = json.readTree(body);
    } catch (IOException notJson) {
      message = null;
    }
    if (message == null || !"message".equals(message.path("type").asText(""))) {
      return new ProviderResponse.Complete(
          502,
          headers,
          AnthropicErrorJson.body("api_error", "The upstream's plain answer is not a message."),
          Usage.UNKNOWN);
    }
    JsonNode usage = message.get("usage");
    Usage billed =
        usage != null && usage.isObject()
            ? MessagesMeter.read(usage, usage, mayWriteCache)
            : Usage.UNKNOWN;
    byte[] answer =
        chat
            ? json.writeValueAsBytes(
                ChatAnswers.completion(json, message, clock.instant().getEpochSecond()))
            : body;
    return new ProviderResponse.Complete(
        response.code(), headers, answer, billed, blocksWithOutput(message));
  }

  /**
   * Content blocks that carry output (text, thinking, a tool's input): at least one output token
   * each, a lower bound the charge never goes below, as a stream's deltas are.
   */
  static long blocksWithOutput(JsonNode message) {
    long blocks = 0;
    for (JsonNode block : message.path("content")) {
      for (String field : new String[] {"text", "thinking", "input"}) {
        JsonNode value = block.get(field);
        if (value != null
            && ((value.isTextual() && !value.asText().isEmpty())
                || (value.isObject() && !value.isEmpty()))) {
          blocks++;
          break;
        }
      }
    }
    return blocks;
  }
}
