package dev.pouch.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.application.proxy.ErrorResponses;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.Refusal;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;

/**
 * Anthropic's error shape, for every error Pouch itself answers on the Messages route ({@code
 * /v1/messages} and anything under it): {@code {"type":"error","error":{"type":…,"message":…},
 * "request_id":…}}, the type from the status as Anthropic names it. The statuses and headers stay
 * Pouch's ({@link ErrorResponses#response}: a budget refusal is a 402 with {@code x-should-retry:
 * false}, which the Anthropic SDKs do not retry — they retry 408, 409, 429 and 5xx unless that
 * header says no). Upstream errors pass through as Anthropic wrote them.
 */
public final class AnthropicErrors {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MESSAGES = "/v1/messages";

  private AnthropicErrors() {}

  /** Whether a request path is the Messages route or below it (under any mount prefix). */
  public static boolean applies(String path) {
    return path != null && (path.endsWith(MESSAGES) || path.contains(MESSAGES + "/"));
  }

  /** Anthropic's error type for a status. */
  public static String type(int status) {
    switch (status) {
      case 400:
        return "invalid_request_error";
      case 401:
        return "authentication_error";
      case 402:
        return "billing_error";
      case 403:
        return "permission_error";
      case 404:
        return "not_found_error";
      case 413:
        return "request_too_large";
      case 429:
        return "rate_limit_error";
      case 504:
        return "timeout_error";
      case 529:
        return "overloaded_error";
      default:
        return status >= 500 ? "api_error" : "invalid_request_error";
    }
  }

  /** The error body; {@code requestId} may be null. */
  public static String body(int status, String message, String requestId) {
    ObjectNode root = JSON.createObjectNode();
    root.put("type", "error");
    ObjectNode error = root.putObject("error");
    error.put("type", type(status));
    error.put("message", message);
    root.put("request_id", requestId);
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** The same error as a stream's {@code event: error}. */
  public static byte[] event(int status, String message) {
    return ("event: error\ndata: " + body(status, message, null) + "\n\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Writes a refusal: Pouch's status and headers, Anthropic's body. */
  static void write(Context ctx, Refusal refusal) {
    ProxyResponse.Complete response = ErrorResponses.response(refusal);
    response.headers().forEach(ctx::header);
    ctx.status(response.status())
        .result(
            body(
                response.status(),
                refusal.message(),
                ctx.res().getHeader(dev.pouch.application.port.in.ProxyChat.REQUEST_ID_HEADER)));
  }
}
