package dev.pouch.domain.chain;

import dev.pouch.domain.provider.Operation;

/**
 * A link of a key's middleware chain (rate limits, model rules, custom plugins), shaped like
 * OkHttp's {@code Interceptor}.
 *
 * <p>Contract: {@link #intercept} either returns its own response without calling {@link
 * Chain#proceed} (short-circuit), or calls {@code proceed} exactly once and returns its result
 * (possibly with headers added). Calling {@code proceed} twice fails, because each call would
 * reserve and spend budget. Refuse a request by returning a refusal ({@code
 * ProxyResponse.refused(Refusal.rateLimited(…))}). A returned streaming response must be passed on,
 * not consumed.
 *
 * <p>An instance lives as long as its key's configuration version and serves that key's concurrent
 * requests, so it must be thread-safe; its fields may hold state (counters, limiters).
 */
public interface Middleware extends AutoCloseable {

  ProxyResponse intercept(Chain chain);

  /** Releases resources when the key is edited or deleted. The default holds nothing. */
  @Override
  default void close() {}

  /** The rest of the chain, as seen by one middleware. Immutable; one per link and request. */
  interface Chain {
    /**
     * The request as it reaches this link: any API's operation; a middleware that reads one API's
     * fields checks the type ({@code request() instanceof ChatRequest chat}).
     */
    Operation request();

    /** The request's shared state. */
    RequestContext context();

    /** Passes {@code request} to the next link (finally: reserve, upstream, settle). */
    ProxyResponse proceed(Operation request);
  }
}
