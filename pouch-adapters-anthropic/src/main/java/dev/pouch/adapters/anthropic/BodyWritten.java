package dev.pouch.adapters.anthropic;

import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.Request;

/**
 * Whether a request's body reached its upstream connection: a call that failed before that cannot
 * have been processed (refunded, D28), any other may have been (charged). Tagged on the request and
 * set by {@link #LISTENER}; errs towards "written", which errs high.
 */
final class BodyWritten {
  /** Marks the tagged request of each call once its body is written. */
  static final EventListener.Factory LISTENER =
      call -> {
        BodyWritten written = call.request().tag(BodyWritten.class);
        return written == null ? EventListener.NONE : written.new Listener();
      };

  private volatile boolean written;

  static BodyWritten tag(Request.Builder request) {
    BodyWritten marker = new BodyWritten();
    request.tag(BodyWritten.class, marker);
    return marker;
  }

  boolean mayHaveReachedUpstream() {
    return written;
  }

  private final class Listener extends EventListener {
    @Override
    public void requestBodyEnd(Call call, long byteCount) {
      written = true;
    }
  }
}
