package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pouch.domain.error.ErrorJson;
import dev.pouch.domain.provider.ProviderResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Anthropic's error answers on the chat-completions route, in OpenAI's shape: the status kept, its
 * {@code error.type} and {@code error.message} carried into {@code {"error":{…}}}, so the OpenAI
 * SDKs read them as they read OpenAI's.
 */
final class ChatErrors {
  private ChatErrors() {}

  /** {@code answer} itself unless it is an upstream error, which is reworded. */
  static ProviderResponse inOpenAisShape(ProviderResponse answer, ObjectMapper json) {
    if (!(answer instanceof ProviderResponse.Complete complete) || complete.status() < 400) {
      return answer;
    }
    String type = "upstream_error";
    String message = new String(complete.body(), StandardCharsets.UTF_8);
    try {
      JsonNode error = json.readTree(complete.body()).path("error");
      if (error.isObject()) {
        type = error.path("type").asText(type);
        message = error.path("message").asText(message);
      }
    } catch (IOException notJson) {
      // kept as text
    }
    Map<String, String> headers = new LinkedHashMap<>(complete.headers());
    headers.put("Content-Type", "application/json");
    byte[] body = ErrorJson.body(message, type, type, null).getBytes(StandardCharsets.UTF_8);
    return new ProviderResponse.Complete(
        complete.status(),
        headers,
        body,
        complete.usage(),
        complete.producedAtLeast(),
        complete.answerId());
  }
}
