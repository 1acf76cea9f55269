package dev.pouch.application.proxy;

import dev.pouch.domain.error.UpstreamException;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UnpricedField;
import dev.pouch.domain.provider.UpstreamCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToLongBiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstreams one request may be served by, in order, seen by the pipeline as one provider
 * (failover, G14): quoted at the dearest of them (the largest prompt bound, every price part at its
 * highest), so that one reservation covers whichever serves; executed by calling each in turn, and
 * moving to the next only while the one before provably did not bill the request (it was never
 * sent, or it was answered 429 or 5xx before any output). After any output, or any other answer,
 * the request stays where it is. One instance per request.
 */
final class UpstreamCandidates implements Provider {
  private static final Logger log = LoggerFactory.getLogger(UpstreamCandidates.class);

  private final List<Upstream> candidates;
  private volatile Upstream called;

  private UpstreamCandidates(List<Upstream> candidates) {
    this.candidates = List.copyOf(candidates);
    this.called = candidates.get(0);
  }

  /** A request with one upstream: no failover. */
  static UpstreamCandidates only(Upstream upstream) {
    return new UpstreamCandidates(List.of(upstream));
  }

  /**
   * The candidates for {@code request}: the key's provider first, then each fallback that serves
   * the request's API and, on a key with a budget, prices the model it would be asked and every
   * field of the request (a fallback that could not be metered is skipped, never a reason to
   * refuse). A request that continues a stored answer stays with the key's provider, which stored
   * it.
   */
  static UpstreamCandidates of(
      Upstream primary, List<Upstream> fallbacks, Operation request, boolean budgeted) {
    if (fallbacks.isEmpty() || request.continues().isPresent()) {
      return only(primary);
    }
    List<Upstream> chosen = new ArrayList<>(1 + fallbacks.size());
    chosen.add(primary);
    for (Upstream fallback : fallbacks) {
      Operation asked = fallback.adapt(request);
      Provider provider = fallback.provider();
      if (!provider.serves(request.api())) {
        continue;
      }
      if (budgeted
          && (provider.model(asked.model()).map(m -> m.price() == null).orElse(true)
              || provider.unpricedField(asked).isPresent())) {
        continue;
      }
      chosen.add(fallback);
    }
    return new UpstreamCandidates(chosen);
  }

  /** How many upstreams may serve the request. */
  int size() {
    return candidates.size();
  }

  /** The upstream called last: the one that served the request, once it has been executed. */
  Upstream called() {
    return called;
  }

  /** The price and limits of {@code upstream} for this request's model, or null when unpriced. */
  static ModelInfo pricingOf(Upstream upstream, Operation request) {
    return upstream
        .provider()
        .model(upstream.adapt(request).model())
        .filter(model -> model.price() != null)
        .orElse(null);
  }

  @Override
  public Optional<ModelInfo> model(String name) {
    Upstream primary = candidates.get(0);
    Optional<ModelInfo> own = primary.provider().model(name);
    if (own.isEmpty() || candidates.size() == 1) {
      return own;
    }
    ModelInfo dearest = own.get();
    for (Upstream fallback : candidates.subList(1, candidates.size())) {
      Optional<ModelInfo> theirs = fallback.provider().model(fallback.modelFor(name));
      if (theirs.isPresent()) {
        dearest = dearest.pricedAtLeastAs(theirs.get());
      }
    }
    return Optional.of(dearest);
  }

  @Override
  public boolean serves(String api) {
    return candidates.get(0).provider().serves(api);
  }

  @Override
  public List<ModelInfo> models() {
    return candidates.get(0).provider().models();
  }

  @Override
  public long estimatePromptTokens(Operation request) {
    return most(request, Provider::estimatePromptTokens);
  }

  @Override
  public long boundPromptTokens(Operation request) {
    return most(request, Provider::boundPromptTokens);
  }

  @Override
  public long promptTokensAtLeast(Operation request) {
    long least = Long.MAX_VALUE;
    for (Upstream upstream : candidates) {
      least = Math.min(least, upstream.provider().promptTokensAtLeast(upstream.adapt(request)));
    }
    return least;
  }

  @Override
  public long boundUncappedOutputTokens(Operation request) {
    return most(request, Provider::boundUncappedOutputTokens);
  }

  /** The largest {@code bound} among the candidates, each asked its own form of the request. */
  private long most(Operation request, ToLongBiFunction<Provider, Operation> bound) {
    long most = 0;
    for (Upstream upstream : candidates) {
      most = Math.max(most, bound.applyAsLong(upstream.provider(), upstream.adapt(request)));
    }
    return most;
  }

  @Override
  public Optional<UnpricedField> unpricedField(Operation request) {
    // The fallbacks that would find one were left out (of).
    return candidates.get(0).provider().unpricedField(request);
  }

  /**
   * Calls each candidate in turn until one answers with anything but a proof that it did not bill
   * the request; the last candidate's failure or answer is the request's.
   *
   * @throws UpstreamException the failure of the last candidate called
   */
  @Override
  public ProviderResponse execute(Operation request, UpstreamCall call) {
    for (int i = 0; ; i++) {
      Upstream upstream = candidates.get(i);
      called = upstream;
      boolean last = i == candidates.size() - 1;
      ProviderResponse response;
      try {
        response = upstream.provider().execute(upstream.adapt(request), call);
      } catch (UpstreamException failure) {
        if (last || failure.requestSent()) {
          throw failure;
        }
        movingOn(call, upstream, candidates.get(i + 1), failure.code().wireCode());
        continue;
      }
      if (last || !provablyUnbilled(response)) {
        return response;
      }
      movingOn(call, upstream, candidates.get(i + 1), "upstream_" + response.status());
    }
  }

  /**
   * A 429 (rate limited: nothing was processed) or a 5xx answered as a whole, with no tokens and no
   * output: the failures after which the upstream did not bill the request. A stream or a plain
   * answer being received has output on its way, and is never left.
   */
  static boolean provablyUnbilled(ProviderResponse response) {
    if (!(response instanceof ProviderResponse.Complete complete)) {
      return false;
    }
    int status = complete.status();
    return (status == 429 || status >= 500)
        && complete.producedAtLeast() == 0
        && complete.usage().promptTokens() == 0
        && complete.usage().completionTokens() == 0;
  }

  private static void movingOn(UpstreamCall call, Upstream from, Upstream to, String reason) {
    log.atWarn()
        .addKeyValue("request_id", call.requestId())
        .addKeyValue("from", from.label())
        .addKeyValue("to", to.label())
        .addKeyValue("reason", reason)
        .log("upstream did not take the request; failing over");
  }

  @Override
  public Optional<ProviderResponse.Complete> relay(String method, String path, String query) {
    return candidates.get(0).provider().relay(method, path, query);
  }

  @Override
  public Optional<ProviderResponse.Complete> countTokens(
      Map<String, Object> body, Map<String, String> headers) {
    return candidates.get(0).provider().countTokens(body, headers);
  }
}
