package dev.pouch.application.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.UpstreamException;
import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Which upstreams may serve a request, how they are quoted together, and when a call moves on. */
class UpstreamCandidatesTest {
  private static final UpstreamCall CALL = new UpstreamCall("req_1", 100);
  private static final ChatRequest REQUEST =
      ChatRequest.of(
          Map.of("model", "m", "messages", List.of(Map.of("role", "user", "content", "hello"))));

  /** A provider that prices one model, bounds every prompt at {@code bound} and answers as told. */
  private static final class Scripted implements Provider {
    final String model;
    final ModelPrice price;
    final long bound;
    final List<Supplier<ProviderResponse>> answers = new ArrayList<>();
    final List<Operation> received = new ArrayList<>();

    Scripted(String model, ModelPrice price, long bound) {
      this.model = model;
      this.price = price;
      this.bound = bound;
    }

    Scripted answering(Supplier<ProviderResponse> answer) {
      answers.add(answer);
      return this;
    }

    @Override
    public Optional<ModelInfo> model(String name) {
      return name.equals(model)
          ? Optional.of(new ModelInfo(name, price, 10_000, 1_000))
          : Optional.empty();
    }

    @Override
    public List<ModelInfo> models() {
      return List.of();
    }

    @Override
    public long estimatePromptTokens(Operation request) {
      return bound;
    }

    @Override
    public ProviderResponse execute(Operation request, UpstreamCall call) {
      received.add(request);
      return answers.get(0).get();
    }
  }

  private static ProviderResponse status(int status, Usage usage) {
    return new ProviderResponse.Complete(status, Map.of(), new byte[0], usage);
  }

  private static ProviderResponse ok() {
    return status(200, Usage.reported(5, 5));
  }

  private static Upstream primary(Scripted provider) {
    return Upstream.primary("p", provider);
  }

  private static Upstream fallback(int i, Scripted provider, String model) {
    return new Upstream("fallbacks[" + i + "]:f", provider, model);
  }

  @Test
  void quotesTheLargestPromptBoundAndEveryPricePartAtItsDearest() {
    Scripted cheap = new Scripted("m", new ModelPrice(10, 5, 40), 100);
    Scripted dear = new Scripted("d", new ModelPrice(30, 30, 20), 140);
    UpstreamCandidates candidates =
        UpstreamCandidates.of(primary(cheap), List.of(fallback(0, dear, "d")), REQUEST, true);

    assertThat(candidates.size()).isEqualTo(2);
    assertThat(candidates.estimatePromptTokens(REQUEST)).isEqualTo(140);
    assertThat(candidates.model("m").orElseThrow().price()).isEqualTo(new ModelPrice(30, 30, 40));
  }

  @Test
  void onABudgetKeyAFallbackThatCannotBeMeteredIsSkippedNotARefusal() {
    Scripted cheap = new Scripted("m", new ModelPrice(10, 5, 40), 100);
    Scripted unpriced = new Scripted("u", null, 100);
    Scripted unknownModel = new Scripted("x", new ModelPrice(1, 1, 1), 100);

    List<Upstream> fallbacks = List.of(fallback(0, unpriced, "u"), fallback(1, unknownModel, null));

    assertThat(UpstreamCandidates.of(primary(cheap), fallbacks, REQUEST, true).size()).isEqualTo(1);
    assertThat(UpstreamCandidates.of(primary(cheap), fallbacks, REQUEST, false).size())
        .as("without a budget, any fallback that serves the API may serve")
        .isEqualTo(3);
  }

  @Test
  void aFailureBeforeSendingMovesOnAndTheFallbackIsAskedForItsOwnModel() {
    Scripted down =
        new Scripted("m", new ModelPrice(1, 1, 1), 1)
            .answering(
                () -> {
                  throw UpstreamException.beforeSending(
                      ErrorCode.UPSTREAM_UNREACHABLE, "refused", null);
                });
    Scripted up =
        new Scripted("d", new ModelPrice(1, 1, 1), 1).answering(UpstreamCandidatesTest::ok);
    UpstreamCandidates candidates =
        UpstreamCandidates.of(primary(down), List.of(fallback(0, up, "d")), REQUEST, true);

    ProviderResponse response = candidates.execute(REQUEST, CALL);

    assertThat(response.status()).isEqualTo(200);
    assertThat(up.received).singleElement().extracting(Operation::model).isEqualTo("d");
    assertThat(candidates.called().label()).isEqualTo("fallbacks[0]:f");
  }

  @Test
  void aFailureAfterTheRequestMayHaveBeenSentNeverMovesOn() {
    Scripted dropped =
        new Scripted("m", new ModelPrice(1, 1, 1), 1)
            .answering(
                () -> {
                  throw new UpstreamException(ErrorCode.UPSTREAM_TIMEOUT, "no answer", null);
                });
    Scripted up =
        new Scripted("m", new ModelPrice(1, 1, 1), 1).answering(UpstreamCandidatesTest::ok);
    UpstreamCandidates candidates =
        UpstreamCandidates.of(primary(dropped), List.of(fallback(0, up, null)), REQUEST, true);

    assertThatThrownBy(() -> candidates.execute(REQUEST, CALL))
        .isInstanceOf(UpstreamException.class);
    assertThat(up.received).isEmpty();
    assertThat(candidates.called().label()).isEqualTo("provider:p");
  }

  @Test
  void onlyARateLimitOrServerErrorWithoutTokensProvesTheUpstreamDidNotBill() {
    assertThat(UpstreamCandidates.provablyUnbilled(status(429, Usage.UNKNOWN))).isTrue();
    assertThat(UpstreamCandidates.provablyUnbilled(status(503, Usage.UNKNOWN))).isTrue();
    assertThat(UpstreamCandidates.provablyUnbilled(status(500, Usage.reported(0, 0)))).isTrue();
    assertThat(UpstreamCandidates.provablyUnbilled(status(500, Usage.reported(12, 0))))
        .as("a server error that reports tokens was processed")
        .isFalse();
    assertThat(UpstreamCandidates.provablyUnbilled(status(400, Usage.UNKNOWN))).isFalse();
    assertThat(UpstreamCandidates.provablyUnbilled(ok())).isFalse();
    assertThat(
            UpstreamCandidates.provablyUnbilled(
                new ProviderResponse.Complete(503, Map.of(), new byte[0], Usage.UNKNOWN, 3)))
        .as("an answer with output on its way")
        .isFalse();
  }

  @Test
  void theLastCandidatesAnswerIsTheRequestsEvenWhenItIsAnError() {
    Scripted limited =
        new Scripted("m", new ModelPrice(1, 1, 1), 1).answering(() -> status(429, Usage.UNKNOWN));
    Scripted overloaded =
        new Scripted("m", new ModelPrice(1, 1, 1), 1).answering(() -> status(503, Usage.UNKNOWN));
    UpstreamCandidates candidates =
        UpstreamCandidates.of(
            primary(limited), List.of(fallback(0, overloaded, null)), REQUEST, true);

    assertThat(candidates.execute(REQUEST, CALL).status()).isEqualTo(503);
    assertThat(limited.received).hasSize(1);
    assertThat(overloaded.received).hasSize(1);
  }

  @Test
  void aRequestThatContinuesAStoredAnswerStaysWithTheUpstreamThatStoredIt() {
    Operation continuing =
        dev.pouch.domain.provider.ResponsesRequest.of(
            Map.of("model", "m", "input", "more", "previous_response_id", "resp_1"));
    Scripted cheap = new Scripted("m", new ModelPrice(1, 1, 1), 1);

    assertThat(
            UpstreamCandidates.of(
                    primary(cheap), List.of(fallback(0, cheap, null)), continuing, true)
                .size())
        .isEqualTo(1);
  }
}
