package dev.pouch.adapters.webhook;

import java.net.URI;

/** What of a webhook URL may be stored or logged: its host and port, never its path or query. */
final class Hosts {
  private Hosts() {}

  static String of(URI url) {
    String host = url.getHost() == null ? "unknown" : url.getHost();
    return url.getPort() == -1 ? host : host + ":" + url.getPort();
  }

  /**
   * Why an attempt failed, with the URL (which may carry a token) replaced by its host: the JDK's
   * messages sometimes name it.
   */
  static String describe(Throwable failure, URI url) {
    Throwable cause = failure;
    while ((cause instanceof java.util.concurrent.CompletionException
            || cause instanceof java.util.concurrent.ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    if (message != null) {
      message = message.replace(url.toString(), of(url));
      if (url.getRawQuery() != null) {
        message = message.replace(url.getRawQuery(), "...");
      }
    }
    String text = cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    return text.length() > 300 ? text.substring(0, 300) : text;
  }
}
