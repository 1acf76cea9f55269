package dev.pouch.application.middlewares;

import dev.pouch.domain.chain.MiddlewareFactory;
import java.util.List;

/** The middlewares every Pouch server offers. */
public final class BuiltinMiddlewares {
  private BuiltinMiddlewares() {}

  /** New factories of every built-in middleware, in catalog order. */
  public static List<MiddlewareFactory> all() {
    return List.of(
        RateLimitMiddleware.factory(),
        TokenRateLimitMiddleware.factory(),
        ConcurrencyLimitMiddleware.factory(),
        MaxTokensCapMiddleware.factory(),
        ModelRewriteMiddleware.factory(),
        SpendGuardMiddleware.factory(),
        BudgetAlertMiddleware.factory(),
        MockOverrideMiddleware.factory());
  }
}
