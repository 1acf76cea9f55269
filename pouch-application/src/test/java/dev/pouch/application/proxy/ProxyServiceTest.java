package dev.pouch.application.proxy;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.FakeUpstream.DEFAULT_PROMPT_ESTIMATE;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static dev.pouch.application.fakes.PouchAssertions.assertRefused;
import static dev.pouch.application.fakes.TestPouch.micros;
import static dev.pouch.application.fakes.TestPouch.reservationFor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.fakes.FakeStream;
import dev.pouch.application.fakes.FakeUpstream;
import dev.pouch.application.fakes.InMemoryStore.ReservationRow;
import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.error.UpstreamException;
import dev.pouch.domain.log.RequestRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The non-streaming proxy flow: reserve, call, settle exactly once. */
class ProxyServiceTest {
  private static final long LIMIT = 1_000_000;

  @RegisterExtension final TestPouch pouch = new TestPouch();

  @Test
  void anAnswerIsReservedBeforeTheCallAndSettledAtTheCostOfItsUsage() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));
    AtomicReference<List<ReservationRow>> openDuringCall = new AtomicReference<>();
    pouch.upstream.answer(
        call -> {
          openDuringCall.set(pouch.store.openReservations());
          pouch.clock.advance(Duration.ofMillis(250));
          return FakeUpstream.ok(80, 30);
        });

    ProxyResponse response = pouch.chat(key, chat().maxTokens(50));

    assertThat(openDuringCall.get())
        .singleElement()
        .satisfies(
            row -> assertThat(row.reservation().amountMicros()).isEqualTo(reservationFor(50)));
    assertThat(response)
        .isInstanceOfSatisfying(
            ProxyResponse.Complete.class,
            complete -> {
              assertThat(complete.status()).isEqualTo(200);
              assertThat(complete.body()).isEqualTo(FakeUpstream.answerBody(80, 30));
            });
    Budget budget = pouch.budget(key);
    assertThat(budget.spentMicros()).isEqualTo(micros(80, 30));
    assertThat(budget.reservedMicros()).isZero();
    RequestRecord record = pouch.store.onlyRecord();
    assertThat(record.basis()).isEqualTo(SettlementBasis.USAGE_REPORTED);
    assertThat(record.keyId()).isEqualTo(key.view().key().id());
    assertThat(record.model()).isEqualTo(FakeUpstream.MODEL);
    assertThat(record.status()).isEqualTo(200);
    assertThat(record.streamed()).isFalse();
    assertThat(record.promptTokens()).isEqualTo(80);
    assertThat(record.completionTokens()).isEqualTo(30);
    assertThat(record.reservedMicros()).isEqualTo(reservationFor(50));
    assertThat(record.costMicros()).isEqualTo(micros(80, 30));
    assertThat(record.overrunMicros()).isZero();
    assertThat(record.latencyMillis()).isEqualTo(250);
    assertThat(record.errorCode()).isNull();
  }

  @Test
  void requestIdsAreUniqueAndGrowWithTime() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));
    for (int i = 0; i < 5; i++) {
      pouch.chat(key, chat().maxTokens(10));
      pouch.chat(key, chat().maxTokens(10)); // same millisecond: told apart by the random part
      pouch.clock.advance(Duration.ofMillis(1));
    }

    List<String> ids = pouch.store.records().stream().map(RequestRecord::requestId).toList();
    assertThat(ids)
        .hasSize(10)
        .doesNotHaveDuplicates()
        .allMatch(id -> id.matches("req_[0-9a-f]{28}"));
    // the time part orders them (the indexes holding them then only grow at their end)
    List<String> timeParts = ids.stream().map(id -> id.substring(4, 16)).toList();
    assertThat(timeParts).isSorted();
    assertThat(timeParts.get(0)).isNotEqualTo(timeParts.get(9));
  }

  @Test
  void theProviderIsToldTheOutputCapItsReservationPaysFor() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));

    pouch.chat(key, chat().maxTokens(50).n(3));

    assertThat(pouch.upstream.onlyCall().upstreamCall().outputCap()).isEqualTo(150);
    assertThat(pouch.store.onlyRecord().reservedMicros()).isEqualTo(reservationFor(150));
  }

  @Test
  void theClientsExplicitMaxTokensReachTheUpstreamUnchanged() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));

    pouch.chat(key, chat().maxCompletionTokens(50).with("temperature", 0L));

    assertThat(pouch.upstream.onlyCall().request().body())
        .containsEntry("max_completion_tokens", 50L)
        .containsEntry("temperature", 0L)
        .doesNotContainKey("max_tokens");
  }

  @Test
  void anUpstreamErrorStatusIsPassedThroughAndRefunded() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));
    pouch.upstream.answer(call -> FakeUpstream.upstreamError(429));

    ProxyResponse response = pouch.chat(key, chat().maxTokens(50));

    assertThat(response.status()).isEqualTo(429);
    assertThat(((ProxyResponse.Complete) response).body())
        .isEqualTo(FakeUpstream.upstreamError(429).body());
    assertRefunded(key);
    assertThat(pouch.store.onlyRecord().status()).isEqualTo(429);
  }

  @Test
  void anUpstreamThatWasNeverReachedIsRefundedAndReported() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));
    UpstreamException unreachable =
        UpstreamException.beforeSending(ErrorCode.UPSTREAM_UNREACHABLE, "connection refused", null);
    pouch.upstream.answer(
        call -> {
          throw unreachable;
        });

    Refusal refused = assertRefused(pouch.chat(key, chat().maxTokens(50)), unreachable.code());
    assertThat(refused.message()).isEqualTo(unreachable.getMessage());

    assertRefunded(key);
    assertThat(pouch.store.onlyRecord().status()).as("502 per the HTTP contract").isEqualTo(502);
  }

  @Test
  void anUpstreamFailureAfterTheRequestWasSentIsChargedItsFullReservationAndReported() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));
    UpstreamException timeout =
        new UpstreamException(ErrorCode.UPSTREAM_TIMEOUT, "read timed out", null);
    pouch.upstream.answer(
        call -> {
          throw timeout;
        });

    Refusal refused = assertRefused(pouch.chat(key, chat().maxTokens(50)), timeout.code());
    assertThat(refused.message()).isEqualTo(timeout.getMessage());

    assertChargedInFull(key, SettlementBasis.FULL_RESERVATION);
    assertThat(pouch.store.onlyRecord().status()).isEqualTo(504);
    assertThat(pouch.store.onlyRecord().errorCode()).isEqualTo("upstream_timeout");
  }

  @Test
  void aProviderBugIsChargedItsFullReservationAndReportedAsAnInternalError() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));
    pouch.upstream.answer(
        call -> {
          throw new IllegalStateException("provider bug");
        });

    Refusal refused = assertRefused(pouch.chat(key, chat().maxTokens(50)), ErrorCode.INTERNAL);
    assertThat(refused.message()).as("no internals").doesNotContain("provider bug");

    // nothing proves the request did not reach the upstream
    assertChargedInFull(key, SettlementBasis.FULL_RESERVATION);
  }

  @Test
  void anAnswerWithoutUsageIsChargedItsFullReservation() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));
    pouch.upstream.answer(call -> FakeUpstream.okWithoutUsage());

    pouch.chat(key, chat().maxTokens(50));

    assertThat(pouch.budget(key).spentMicros()).isEqualTo(reservationFor(50));
    assertThat(pouch.store.onlyRecord().basis()).isEqualTo(SettlementBasis.FULL_RESERVATION);
  }

  @Test
  void usageReportedBeyondWhatTheReservationPaysForIsChargedTheReservationAndFlagged() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));
    long billed = 50 + TestPouch.MARGIN + 100;
    pouch.upstream.answer(call -> FakeUpstream.ok(DEFAULT_PROMPT_ESTIMATE, billed));

    pouch.chat(key, chat().maxTokens(50));

    assertChargedInFull(key, SettlementBasis.IMPLAUSIBLE_USAGE);
    assertThat(pouch.store.onlyRecord().overrunMicros()).isZero();
  }

  @Test
  void usageReportedUpToEveryTokenTheReservationPaysForIsChargedAsReported() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));
    long billed = 50 + TestPouch.MARGIN;
    pouch.upstream.answer(call -> FakeUpstream.ok(DEFAULT_PROMPT_ESTIMATE, billed));

    pouch.chat(key, chat().maxTokens(50));

    assertThat(pouch.budget(key).spentMicros()).isEqualTo(micros(DEFAULT_PROMPT_ESTIMATE, billed));
    assertThat(pouch.store.onlyRecord().basis()).isEqualTo(SettlementBasis.USAGE_REPORTED);
  }

  @Test
  void aModelTheKeyMayNotUseIsRefusedBeforeAnythingIsReserved() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT).allowedModels(FakeUpstream.DEAR_MODEL));

    assertRefused(pouch.chat(key, chat().maxTokens(5)), ErrorCode.MODEL_NOT_ALLOWED);

    assertNothingHappened();
  }

  @Test
  void aModelWithoutPriceIsRefusedOnAKeyWithABudget() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));

    assertRefused(
        pouch.chat(key, chat().model(FakeUpstream.UNPRICED_MODEL).maxTokens(5)),
        ErrorCode.MODEL_PRICE_UNKNOWN);

    assertNothingHappened();
  }

  @Test
  void aModelWithoutPriceIsServedFreeOnAnUnlimitedKey() {
    CreatedKey key = pouch.create(aKey());

    pouch.chat(key, chat().model(FakeUpstream.UNPRICED_MODEL).maxTokens(5));

    assertThat(pouch.store.onlyRecord().costMicros()).isZero();
    assertThat(pouch.budget(key).spentMicros()).isZero();
  }

  @Test
  void aMalformedBodyIsRefusedNamingTheField() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));

    var refused = assertRefused(pouch.chat(key, chat().maxTokens(0)), ErrorCode.INVALID_REQUEST);

    assertThat(refused.param()).isEqualTo("max_tokens");
    assertNothingHappened();
  }

  @Test
  void explicitMaxTokensTheBudgetCannotCoverAreRefusedWithoutCallingTheUpstream() {
    CreatedKey key = pouch.create(aKey().budget(reservationFor(50) - 1));

    assertRefused(pouch.chat(key, chat().maxTokens(50)), ErrorCode.BUDGET_EXCEEDED);

    assertNothingHappened();
  }

  @Test
  void explicitMaxTokensTheBudgetExactlyCoversAreServed() {
    CreatedKey key = pouch.create(aKey().budget(reservationFor(50)));

    pouch.chat(key, chat().maxTokens(50));

    assertThat(pouch.upstream.calls()).hasSize(1);
  }

  @Test
  void theKeysModelsAreItsAllowedModelsOrAllTheProviderKnows() {
    CreatedKey restricted = pouch.create(aKey().allowedModels(FakeUpstream.DEAR_MODEL));
    CreatedKey open = pouch.create(aKey());

    assertThat(pouch.proxy().models(pouch.authenticate(restricted)))
        .containsExactly(FakeUpstream.DEAR_MODEL);
    assertThat(pouch.proxy().models(pouch.authenticate(open)))
        .containsExactlyInAnyOrder(
            FakeUpstream.MODEL, FakeUpstream.DEAR_MODEL, FakeUpstream.UNPRICED_MODEL);
  }

  @Test
  void aDeletedKeyStillSettlesItsInFlightRequest() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));
    pouch.upstream.answer(
        call -> {
          pouch.keys().delete(key.view().key().id());
          return FakeUpstream.ok(80, 30);
        });

    pouch.chat(key, chat().maxTokens(50));

    assertThat(pouch.budget(key).spentMicros()).isEqualTo(micros(80, 30));
    assertThat(pouch.budget(key).reservedMicros()).isZero();
  }

  @Test
  void reservationsLeftOpenByACrashAreRecoveredAtTheirFullAmount() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT));
    pouch.upstream.answerWithStream(call -> FakeStream.billingPrompt(80).chunks(3, 5));
    pouch.chat(key, chat().maxTokens(50).stream()); // never read nor closed: "the process died"

    int recovered = pouch.core.recoverOpenReservations();

    assertThat(recovered).isEqualTo(1);
    assertThat(pouch.budget(key).spentMicros()).isEqualTo(reservationFor(50));
    assertThat(pouch.budget(key).reservedMicros()).isZero();
    assertThat(pouch.store.onlyRecord().basis()).isEqualTo(SettlementBasis.RECOVERED);
    assertThat(pouch.core.recoverOpenReservations()).isZero();
  }

  private void assertChargedInFull(CreatedKey key, SettlementBasis basis) {
    assertThat(pouch.budget(key).spentMicros()).isEqualTo(reservationFor(50));
    assertThat(pouch.budget(key).reservedMicros()).isZero();
    assertThat(pouch.store.onlyRecord().basis()).isEqualTo(basis);
    assertThat(pouch.store.onlyRecord().costMicros()).isEqualTo(reservationFor(50));
  }

  private void assertRefunded(CreatedKey key) {
    Budget budget = pouch.budget(key);
    assertThat(budget.spentMicros()).isZero();
    assertThat(budget.reservedMicros()).isZero();
    RequestRecord record = pouch.store.onlyRecord();
    assertThat(record.basis()).isEqualTo(SettlementBasis.REFUNDED);
    assertThat(record.costMicros()).isZero();
    assertThat(record.promptTokens()).as("nothing was billed").isZero();
    assertThat(record.completionTokens()).isZero();
    assertThat(record.reservedMicros()).isEqualTo(reservationFor(50));
    assertThat(record.errorCode()).isNotNull();
  }

  private void assertNothingHappened() {
    assertThat(pouch.upstream.calls()).isEmpty();
    assertThat(pouch.store.reservations()).isEmpty();
  }
}
