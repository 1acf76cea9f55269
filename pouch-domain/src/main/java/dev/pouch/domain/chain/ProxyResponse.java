package dev.pouch.domain.chain;

import dev.pouch.domain.error.Refusal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What goes back to the client: a complete body, a stream, or a refusal (written by the host in the
 * route's error shape).
 */
public sealed interface ProxyResponse {

  int status();

  Map<String, String> headers();

  /** A copy with one more header (middlewares add rate-limit or budget headers this way). */
  ProxyResponse withHeader(String name, String value);

  /** A complete response body. */
  record Complete(int status, Map<String, String> headers, byte[] body) implements ProxyResponse {
    public Complete {
      headers = Map.copyOf(headers);
      Objects.requireNonNull(body, "body");
    }

    /** A JSON body written by Pouch itself. */
    public static Complete json(int status, String json) {
      return new Complete(
          status,
          Map.of("Content-Type", "application/json"),
          json.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Complete withHeader(String name, String value) {
      return new Complete(status, ProxyResponse.plus(headers, name, value), body);
    }
  }

  /** A streamed response (server-sent events); the HTTP layer must close the stream. */
  record Streaming(int status, Map<String, String> headers, ResponseStream stream)
      implements ProxyResponse {
    public Streaming {
      headers = Map.copyOf(headers);
      Objects.requireNonNull(stream, "stream");
    }

    @Override
    public Streaming withHeader(String name, String value) {
      return new Streaming(status, ProxyResponse.plus(headers, name, value), stream);
    }
  }

  /** A refusal; see {@link Refusal}. */
  record Refused(Refusal refusal) implements ProxyResponse {
    public Refused {
      Objects.requireNonNull(refusal, "refusal");
    }

    @Override
    public int status() {
      return refusal.status();
    }

    @Override
    public Map<String, String> headers() {
      return refusal.headers();
    }

    @Override
    public Refused withHeader(String name, String value) {
      return new Refused(refusal.withHeader(name, value));
    }
  }

  /** Refuses the request: {@code return ProxyResponse.refused(...)} from a middleware. */
  static Refused refused(Refusal refusal) {
    return new Refused(refusal);
  }

  private static Map<String, String> plus(Map<String, String> headers, String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return copy;
  }
}
