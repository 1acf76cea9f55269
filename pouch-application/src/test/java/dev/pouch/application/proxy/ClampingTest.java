package dev.pouch.application.proxy;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.FakeUpstream.DEFAULT_PROMPT_ESTIMATE;
import static dev.pouch.application.fakes.FakeUpstream.INPUT_MICROS;
import static dev.pouch.application.fakes.FakeUpstream.MAX_OUTPUT;
import static dev.pouch.application.fakes.FakeUpstream.OUTPUT_MICROS;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static dev.pouch.application.fakes.PouchAssertions.assertRefused;
import static dev.pouch.application.fakes.TestPouch.MARGIN;
import static dev.pouch.application.fakes.TestPouch.MIN_USEFUL;
import static dev.pouch.application.fakes.TestPouch.reservationFor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.fakes.FakeStream;
import dev.pouch.application.fakes.FakeUpstream;
import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A request without {@code max_tokens} gets the largest one its key's budget can pay for. */
class ClampingTest {
  @RegisterExtension final TestPouch pouch = new TestPouch();

  /**
   * The largest output (all choices) that {@code headroom} pays for beside the prompt and margin.
   */
  private static long affordableOutput(long headroom) {
    return (headroom - DEFAULT_PROMPT_ESTIMATE * INPUT_MICROS) / OUTPUT_MICROS - MARGIN;
  }

  @Test
  void aRequestWithoutMaxTokensIsSentWithTheLargestTheBudgetPaysFor() {
    CreatedKey key = pouch.create(aKey().budget(2_000));

    pouch.chat(key, chat());

    long expected = affordableOutput(2_000);
    FakeUpstream.Call call = pouch.upstream.onlyCall();
    assertThat(call.request().body()).containsEntry("max_tokens", expected);
    assertThat(call.request().maxOutputTokens()).isEqualTo(expected);
    assertThat(call.upstreamCall().outputCap()).isEqualTo(expected);
    assertThat(pouch.store.onlyRecord().reservedMicros())
        .isEqualTo(reservationFor(expected))
        .isLessThanOrEqualTo(2_000);
  }

  @Test
  void aNearlyExhaustedBudgetStillServesAShortAnswer() {
    CreatedKey key = pouch.create(aKey().budget(10_000));
    long headroom = 180;
    pouch.store.givenSpent(key.view().key().id(), 10_000 - headroom);

    ProxyResponse response = pouch.chat(key, chat());

    assertThat(response.status()).isEqualTo(200);
    long expected = affordableOutput(headroom);
    assertThat(expected).isGreaterThanOrEqualTo(MIN_USEFUL);
    assertThat(pouch.upstream.onlyCall().request().maxOutputTokens()).isEqualTo(expected);
  }

  @Test
  void theSmallestUsefulAnswerIsServedWhenItExactlyFits() {
    CreatedKey key = pouch.create(aKey().budget(10_000));
    pouch.store.givenSpent(key.view().key().id(), 10_000 - reservationFor(MIN_USEFUL));

    pouch.chat(key, chat());

    assertThat(pouch.upstream.onlyCall().request().maxOutputTokens()).isEqualTo(MIN_USEFUL);
  }

  @Test
  void aBudgetBelowTheSmallestUsefulAnswerIsRefusedWithoutCallingTheUpstream() {
    CreatedKey key = pouch.create(aKey().budget(10_000));
    pouch.store.givenSpent(key.view().key().id(), 10_000 - reservationFor(MIN_USEFUL) + 1);

    assertRefused(pouch.chat(key, chat()), ErrorCode.BUDGET_EXCEEDED);

    assertThat(pouch.upstream.calls()).isEmpty();
    assertThat(pouch.store.reservations()).isEmpty();
  }

  @Test
  void theClampIsCappedByTheModelsOutputLimit() {
    CreatedKey key = pouch.create(aKey().budget(1_000_000));

    pouch.chat(key, chat());

    assertThat(pouch.upstream.onlyCall().request().maxOutputTokens()).isEqualTo(MAX_OUTPUT);
    assertThat(pouch.store.onlyRecord().reservedMicros()).isEqualTo(reservationFor(MAX_OUTPUT));
  }

  @Test
  void severalChoicesShareTheAffordableOutput() {
    CreatedKey key = pouch.create(aKey().budget(2_000));

    pouch.chat(key, chat().n(4));

    long perChoice = affordableOutput(2_000) / 4;
    FakeUpstream.Call call = pouch.upstream.onlyCall();
    assertThat(call.request().maxOutputTokens()).isEqualTo(perChoice);
    assertThat(call.upstreamCall().outputCap()).isEqualTo(perChoice * 4);
    assertThat(pouch.store.onlyRecord().reservedMicros()).isLessThanOrEqualTo(2_000);
  }

  @Test
  void anUnlimitedKeyForwardsTheRequestUnchangedButStillCapsTheOutput() {
    CreatedKey key = pouch.create(aKey());

    pouch.chat(key, chat());

    FakeUpstream.Call call = pouch.upstream.onlyCall();
    assertThat(call.request().body()).doesNotContainKeys("max_tokens", "max_completion_tokens");
    assertThat(call.upstreamCall().outputCap()).isEqualTo(MAX_OUTPUT);
  }

  @Test
  void requestsInFlightCountAgainstTheHeadroom() {
    CreatedKey key = pouch.create(aKey().budget(2_000));
    pouch.upstream.answerWithStream(call -> FakeStream.billingPrompt(90).chunks(2, 5));
    ProxyResponse inFlight = pouch.chat(key, chat().maxTokens(100).stream());
    pouch.upstream.answer(call -> FakeUpstream.defaultAnswer());

    pouch.chat(key, chat());

    long headroom = 2_000 - reservationFor(100);
    assertThat(pouch.upstream.calls().get(1).request().maxOutputTokens())
        .isEqualTo(affordableOutput(headroom));
    ((ProxyResponse.Streaming) inFlight).stream().close();
  }

  @Test
  void aClampedRequestPlansAgainWhenAConcurrentRequestTookTheHeadroomFirst() {
    CreatedKey key = pouch.create(aKey().budget(2_000));
    String keyId = key.view().key().id();
    pouch.store.beforeNextReserve(
        () -> pouch.store.reserve(new Reservation("req_other", keyId, 500, TestPouch.T0)));

    pouch.chat(key, chat());

    assertThat(pouch.upstream.onlyCall().request().maxOutputTokens())
        .isEqualTo(affordableOutput(2_000 - 500));
    assertThat(pouch.budget(key).reservedMicros()).as("the other request's").isEqualTo(500);
  }

  @Test
  void anExplicitRequestIsNotReplannedWhenTheHeadroomWentMeanwhile() {
    CreatedKey key = pouch.create(aKey().budget(2_000));
    String keyId = key.view().key().id();
    pouch.store.beforeNextReserve(
        () ->
            pouch.store.reserve(
                new Reservation(
                    "req_other", keyId, 2_000 - reservationFor(100) + 1, TestPouch.T0)));

    assertRefused(pouch.chat(key, chat().maxTokens(100)), ErrorCode.BUDGET_EXCEEDED);

    assertThat(pouch.upstream.calls()).isEmpty();
  }
}
