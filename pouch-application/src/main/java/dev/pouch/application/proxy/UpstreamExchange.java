package dev.pouch.application.proxy;

import dev.pouch.application.PouchSettings;
import dev.pouch.application.port.out.ProxyEvents;
import dev.pouch.domain.budget.Ending;
import dev.pouch.domain.budget.Produced;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.InternalException;
import dev.pouch.domain.error.PouchException;
import dev.pouch.domain.error.UpstreamException;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;

/**
 * Stages 3 and 4, execute and meter: sends the request upstream and meters what comes back, so that
 * its reservation settles once however the exchange ends. A failure of the call settles at once
 * (refunded only when the request provably never reached the upstream, G11); a whole answer settles
 * on its usage; a stream, or a plain answer received as one, is metered by {@link MeteredStream}.
 */
final class UpstreamExchange {
  private final PouchSettings settings;
  private final ProxyEvents events;

  UpstreamExchange(PouchSettings settings, ProxyEvents events) {
    this.settings = settings;
    this.events = events;
  }

  ProxyResponse exchange(
      UpstreamCandidates upstreams, Operation request, String requestId, OpenReservation open) {
    ProviderResponse response;
    long started = System.nanoTime();
    try {
      response = execute(upstreams, request, new UpstreamCall(requestId, open.outputCap()), open);
    } catch (UpstreamException failure) {
      // A request that may have reached the upstream may be billed: charged, never refunded (G11).
      settleFailure(
          open, failure.requestSent() ? Ending.INTERRUPTED : Ending.NOT_PROCESSED, failure);
      throw failure;
    } catch (PouchException refused) {
      // The provider refused the request itself, before sending it (a field it will not pass on).
      settleFailure(open, Ending.NOT_PROCESSED, refused);
      throw refused;
    } catch (RuntimeException bug) {
      // Nothing proves the request was not sent: charged, erring high.
      open.settle(
          Ending.INTERRUPTED,
          Usage.UNKNOWN,
          Produced.UNKNOWN,
          ErrorCode.INTERNAL.httpStatus(),
          ErrorCode.INTERNAL.wireCode());
      throw new InternalException("the provider failed: " + bug.getMessage(), bug);
    }
    long responseNanos = System.nanoTime() - started;
    events.upstreamResponded(
        open.providerId(), !(response instanceof ProviderResponse.Complete), responseNanos);
    if (response instanceof ProviderResponse.Complete complete) {
      open.answered(complete.answerId());
      open.settle(
          ending(complete, open.outputCap()),
          complete.usage(),
          Produced.atLeast(complete.producedAtLeast()),
          complete.status(),
          complete.status() >= 400 ? "upstream_" + complete.status() : null);
      return new ProxyResponse.Complete(complete.status(), complete.headers(), complete.body());
    }
    OutputPace pace = new OutputPace(responseNanos, settings.overrunMarginTokens());
    if (response instanceof ProviderResponse.Assembling plain) {
      MeteredStream metered =
          new MeteredStream(plain.stream(), open, plain.status(), PlainAnswer.BROKE_OFF, pace);
      return PlainAnswer.collect(metered, plain.assembler(), plain.status(), plain.headers());
    }
    ProviderResponse.Streaming streaming = (ProviderResponse.Streaming) response;
    MeteredStream metered =
        new MeteredStream(streaming.stream(), open, streaming.status(), streaming.status(), pace);
    return new ProxyResponse.Streaming(streaming.status(), streaming.headers(), metered);
  }

  /**
   * Executes on the candidates, then tells the reservation which one it ended on (answered or
   * failed), when that may be another than the first: the charge is priced there.
   */
  private static ProviderResponse execute(
      UpstreamCandidates upstreams, Operation request, UpstreamCall call, OpenReservation open) {
    try {
      return upstreams.execute(request, call);
    } finally {
      if (upstreams.size() > 1) {
        Upstream called = upstreams.called();
        open.servedBy(
            called.label(),
            UpstreamCandidates.pricingOf(called, request),
            called.provider().promptTokensAtLeast(called.adapt(request)));
      }
    }
  }

  private static void settleFailure(OpenReservation open, Ending ending, PouchException failure) {
    open.settle(
        ending,
        Usage.UNKNOWN,
        Produced.UNKNOWN,
        failure.code().httpStatus(),
        failure.code().wireCode());
  }

  /**
   * How a complete answer ended: a 4xx without tokens is the upstream's refusal (not processed);
   * any other status of 300 or above may have been processed (a 5xx, a redirect that Pouch does not
   * follow, an answer that broke off after its head); an answer with more output than the cap was
   * cut there (the provider stopped an upstream that ignores {@code max_tokens}).
   */
  private static Ending ending(ProviderResponse.Complete complete, long outputCap) {
    int status = complete.status();
    if (status >= 400 && status < 500 && producedNothing(complete.usage())) {
      return Ending.NOT_PROCESSED;
    }
    if (status >= 300) {
      return Ending.INTERRUPTED;
    }
    return complete.producedAtLeast() > outputCap ? Ending.CAPPED : Ending.COMPLETED;
  }

  /** An upstream refusal: no tokens billed (no usage, or usage of zero tokens). */
  private static boolean producedNothing(Usage usage) {
    return usage.promptTokens() == 0 && usage.completionTokens() == 0;
  }
}
