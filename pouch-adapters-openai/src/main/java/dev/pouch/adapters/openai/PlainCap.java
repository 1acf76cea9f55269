package dev.pouch.adapters.openai;

import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.UpstreamCall;

/**
 * The output cap of a request that goes upstream plain: nothing can cut a plain answer, so the
 * request itself must say what was reserved (FINANCIAL_SAFETY G5). The core writes a limit the
 * client set, or one it chose for a budget; this writes the reservation's own cap when neither did
 * (the model's maximum), so even an upstream whose implicit limit is larger stops there.
 */
final class PlainCap {
  private PlainCap() {}

  /**
   * Whether {@code request}, sent plain, needs the cap written in: it carries no limit and its
   * model is priced (an unpriced model only runs on keys without any budget, whose reservation is
   * not a real bound and would be refused as a limit by the upstream).
   */
  static boolean needed(Operation request, PricedModel priced) {
    return !request.stream() && !request.hasOutputLimit() && priced != null;
  }

  /** The reserved output per answer: the call's cap over the answers the upstream bills. */
  static long perAnswer(Operation request, UpstreamCall call) {
    return Math.max(1, call.outputCap() / Math.max(1, request.choices()));
  }
}
