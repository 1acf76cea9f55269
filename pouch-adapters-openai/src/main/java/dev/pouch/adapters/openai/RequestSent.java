package dev.pouch.adapters.openai;

import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.Request;

/**
 * Whether a request's body was handed to its upstream connection, so a failure can be told apart: a
 * request whose body was never written in full cannot have been processed (refunded), any other may
 * have been (charged, G11). OkHttp reports the body's end once it is written to the connection's
 * sink, possibly before the last bytes leave the socket: that errs towards "sent", which errs high.
 * Attached to the request as a tag and set by {@link #LISTENER}.
 */
final class RequestSent {
  /** Marks the tagged request of each call when its body has been written. */
  static final EventListener.Factory LISTENER =
      call -> {
        RequestSent sent = call.request().tag(RequestSent.class);
        return sent == null ? EventListener.NONE : sent.new Listener();
      };

  private volatile boolean bodyWritten;

  /** A new marker, tagged on {@code request}. */
  static RequestSent tag(Request.Builder request) {
    RequestSent sent = new RequestSent();
    request.tag(RequestSent.class, sent);
    return sent;
  }

  /** Whether the whole body was written to the connection: the upstream may have it. */
  boolean mayHaveReachedUpstream() {
    return bodyWritten;
  }

  private final class Listener extends EventListener {
    @Override
    public void requestBodyEnd(Call call, long byteCount) {
      bodyWritten = true;
    }
  }
}
