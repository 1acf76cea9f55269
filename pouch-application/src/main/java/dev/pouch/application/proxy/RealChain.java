package dev.pouch.application.proxy;

import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.RequestContext;
import dev.pouch.domain.provider.Operation;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The chain handed to middleware {@code index - 1}: immutable, one per link and request; the last
 * link is the reserving terminal.
 */
final class RealChain implements Middleware.Chain {

  /** The end of the chain: reserve, execute, settle. */
  interface Terminal {
    ProxyResponse execute(Operation request, RequestContext context);
  }

  private final List<Middleware> middlewares;
  private final int index;
  private final Operation request;
  private final RequestContext context;
  private final Terminal terminal;
  private final AtomicBoolean proceeded = new AtomicBoolean();

  RealChain(
      List<Middleware> middlewares,
      int index,
      Operation request,
      RequestContext context,
      Terminal terminal) {
    this.middlewares = middlewares;
    this.index = index;
    this.request = request;
    this.context = context;
    this.terminal = terminal;
  }

  @Override
  public Operation request() {
    return request;
  }

  @Override
  public RequestContext context() {
    return context;
  }

  @Override
  public ProxyResponse proceed(Operation next) {
    Objects.requireNonNull(next, "request");
    if (!proceeded.compareAndSet(false, true)) {
      throw new IllegalStateException(
          "middleware " + describe(index - 1) + " called proceed() more than once");
    }
    if (index == middlewares.size()) {
      return terminal.execute(next, context);
    }
    Middleware middleware = middlewares.get(index);
    ProxyResponse response =
        middleware.intercept(new RealChain(middlewares, index + 1, next, context, terminal));
    if (response == null) {
      throw new NullPointerException("middleware " + describe(index) + " returned null");
    }
    return response;
  }

  private String describe(int position) {
    return position < 0 ? "(none)" : middlewares.get(position).getClass().getName();
  }
}
