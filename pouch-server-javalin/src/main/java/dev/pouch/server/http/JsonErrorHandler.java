package dev.pouch.server.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own refusals, made before a request reaches Javalin (header fields too large → 431, URI
 * too long → 414, malformed HTTP → 400), in OpenAI's error shape instead of an HTML page.
 */
public final class JsonErrorHandler extends ErrorHandler {

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int status,
      String message,
      Throwable cause,
      Callback callback) {
    if (status == 505) {
      // An HTTP version Jetty does not speak (0.9, 9.9) is the client's error, not the server's.
      status = 400;
      response.setStatus(status);
    }
    String path = request.getHttpURI() == null ? null : request.getHttpURI().getPath();
    byte[] body =
        (AnthropicErrors.applies(path)
                ? AnthropicErrors.body(status, message(status), null)
                : body(status))
            .getBytes(StandardCharsets.UTF_8);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  /** Every method gets a body, not only GET, POST and HEAD (Jetty's default). */
  @Override
  public boolean errorPageForMethod(String method) {
    return true;
  }

  @Override
  @SuppressWarnings("removal") // Jetty 12.1 still calls it for a request it cannot parse
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
    return BufferUtil.toBuffer(body(status), StandardCharsets.UTF_8);
  }

  /** What Jetty's refusal means, for Anthropic's shape; never echoes request content. */
  static String message(int status) {
    switch (status) {
      case 431:
        return "The request's header fields are too large.";
      case 414:
        return "The request URI is too long.";
      case 413:
        return "The request is too large.";
      default:
        return status >= 500
            ? "The server had an error while processing your request."
            : "The request is not valid HTTP.";
    }
  }

  /** The OpenAI-shaped body for a status Jetty chose; never echoes request content. */
  static String body(int status) {
    String code;
    String message;
    switch (status) {
      case 431:
        code = "request_header_too_large";
        message = "The request's header fields are too large.";
        break;
      case 414:
        code = "uri_too_long";
        message = "The request URI is too long.";
        break;
      case 413:
        code = "request_too_large";
        message = "The request is too large.";
        break;
      case 404:
        code = "not_found";
        message = "Unknown request URL.";
        break;
      case 405:
        code = "method_not_allowed";
        message = "This method is not allowed here.";
        break;
      default:
        code = status >= 500 ? "internal_error" : "invalid_request";
        message =
            status >= 500
                ? "The server had an error while processing your request."
                : "The request is not valid HTTP.";
        break;
    }
    String type = status >= 500 ? "server_error" : "invalid_request_error";
    return "{\"error\":{\"message\":\""
        + message
        + "\",\"type\":\""
        + type
        + "\",\"code\":\""
        + code
        + "\",\"param\":null}}";
  }
}
