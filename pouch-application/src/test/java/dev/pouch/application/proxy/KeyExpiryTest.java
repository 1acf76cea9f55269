package dev.pouch.application.proxy;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static dev.pouch.application.fakes.PouchAssertions.assertRefused;
import static dev.pouch.application.fakes.TestPouch.ANSWER_COST;
import static dev.pouch.application.fakes.TestPouch.T0;
import static dev.pouch.application.fakes.TestPouch.reservationFor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.fakes.FakeUpstream;
import dev.pouch.application.fakes.InMemoryStore.ClosedPeriod;
import dev.pouch.application.fakes.KeyDraftBuilder;
import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.KeyStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Key expiry, auto-renewal and budget periods, checked before every request. */
class KeyExpiryTest {
  private static final Duration DAY = Duration.ofDays(1);
  private static final long LIMIT = 10_000;

  @RegisterExtension final TestPouch pouch = new TestPouch();

  @Test
  void aKeyIsServedUntilItsExpiry() {
    CreatedKey key = pouch.create(aKey().expiresAt(T0.plus(DAY)));
    pouch.clock.set(T0.plus(DAY).minusMillis(1));

    pouch.chat(key, chat());

    assertThat(pouch.upstream.calls()).hasSize(1);
  }

  @Test
  void anExpiredKeyWithoutAutoRenewIsRefused() {
    CreatedKey key = pouch.create(aKey().expiresAt(T0.plus(DAY)));
    AppKey authenticated = pouch.authenticate(key);
    pouch.clock.set(T0.plus(DAY));

    assertRefused(pouch.send(authenticated, chat().build()), ErrorCode.KEY_EXPIRED);

    assertThat(pouch.upstream.calls()).isEmpty();
    assertThat(pouch.stored(key).expiresAt()).isEqualTo(T0.plus(DAY));
    assertThat(pouch.keys().get(key.view().key().id()).status()).isEqualTo(KeyStatus.EXPIRED);
  }

  @Test
  void anExpiredAutoRenewingKeyIsRenewedByItsResetPeriodWithAFreshBudget() {
    CreatedKey key =
        pouch.create(aKey().budget(LIMIT).resetEvery(DAY).expiresAt(T0.plus(DAY)).autoRenew());
    pouch.store.givenSpent(key.view().key().id(), LIMIT);
    Instant now = T0.plus(DAY).plus(Duration.ofHours(3));
    pouch.clock.set(now);

    pouch.chat(key, chat().maxTokens(10));

    assertThat(pouch.stored(key).expiresAt()).isEqualTo(T0.plus(DAY).plus(DAY));
    Budget budget = pouch.budget(key);
    assertThat(budget.spentMicros()).as("only this request").isEqualTo(ANSWER_COST);
    assertThat(budget.periodStartedAt()).isEqualTo(now);
    assertThat(pouch.store.history())
        .singleElement()
        .extracting(ClosedPeriod::spentMicros)
        .isEqualTo(LIMIT);
    assertThat(pouch.upstream.calls()).hasSize(1);
  }

  @Test
  void anExpiredAutoRenewingKeyWithoutResetPeriodIsRenewedByThirtyDays() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT).expiresAt(T0.plus(DAY)).autoRenew());
    pouch.store.givenSpent(key.view().key().id(), 4_000);
    pouch.clock.set(T0.plus(DAY).plusSeconds(1));

    pouch.chat(key, chat().maxTokens(10));

    assertThat(pouch.stored(key).expiresAt()).isEqualTo(T0.plus(DAY).plus(Duration.ofDays(30)));
    assertThat(pouch.budget(key).spentMicros()).isEqualTo(ANSWER_COST);
  }

  @Test
  void aKeyRenewedLongAfterItsExpiryKeepsItsRhythm() {
    CreatedKey key = pouch.create(aKey().resetEvery(DAY).expiresAt(T0.plus(DAY)).autoRenew());
    pouch.clock.set(T0.plus(DAY.multipliedBy(5)).plus(Duration.ofHours(1)));

    pouch.chat(key, chat());

    assertThat(pouch.stored(key).expiresAt()).isEqualTo(T0.plus(DAY.multipliedBy(6)));
  }

  @Test
  void aRenewalIsVisibleToTheNextAuthentication() {
    CreatedKey key = pouch.create(aKey().resetEvery(DAY).expiresAt(T0.plus(DAY)).autoRenew());
    pouch.authenticate(key);
    pouch.clock.set(T0.plus(DAY));

    pouch.chat(key, chat());

    assertThat(pouch.authenticate(key).expiresAt()).isEqualTo(T0.plus(DAY).plus(DAY));
  }

  @Test
  void anAutoRenewingKeyEditedWhileARequestWasOnItsWayIsStillRenewed() {
    KeyDraftBuilder draft = aKey().resetEvery(DAY).expiresAt(T0.plus(DAY)).autoRenew();
    CreatedKey key = pouch.create(draft);
    pouch.clock.set(T0.plus(DAY).plusSeconds(1));
    AppKey authenticated = pouch.authenticate(key);
    pouch.keys().update(key.view().key().id(), draft.name("renamed").build());

    pouch.send(authenticated, chat().build());

    assertThat(pouch.stored(key).expiresAt()).isEqualTo(T0.plus(DAY).plus(DAY));
    assertThat(pouch.upstream.calls()).hasSize(1);
  }

  @Test
  void concurrentRequestsOnAnExpiredKeyRenewItOnce() {
    CreatedKey key =
        pouch.create(aKey().budget(LIMIT).resetEvery(DAY).expiresAt(T0.plus(DAY)).autoRenew());
    pouch.store.givenSpent(key.view().key().id(), LIMIT);
    pouch.clock.set(T0.plus(DAY).plusSeconds(1));
    AppKey first = pouch.authenticate(key);
    AppKey second = pouch.authenticate(key); // both hold the expired version

    pouch.send(first, chat().maxTokens(10).build());
    pouch.send(second, chat().maxTokens(10).build());

    assertThat(pouch.stored(key).expiresAt()).isEqualTo(T0.plus(DAY).plus(DAY));
    assertThat(pouch.store.history()).hasSize(1);
    assertThat(pouch.budget(key).spentMicros()).isEqualTo(2 * ANSWER_COST);
  }

  @Test
  void anElapsedPeriodResetsTheSpendBeforeReserving() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT).resetEvery(Duration.ofHours(1)));
    long spentBefore = LIMIT - reservationFor(10) + 1; // not even this request would fit
    pouch.store.givenSpent(key.view().key().id(), spentBefore);
    assertRefused(pouch.chat(key, chat().maxTokens(10)), ErrorCode.BUDGET_EXCEEDED);
    pouch.clock.set(T0.plus(Duration.ofMinutes(150)));

    pouch.chat(key, chat().maxTokens(10));

    Budget budget = pouch.budget(key);
    assertThat(budget.spentMicros()).isEqualTo(ANSWER_COST);
    assertThat(budget.periodStartedAt())
        .as("aligned to whole periods")
        .isEqualTo(T0.plus(Duration.ofHours(2)));
    assertThat(pouch.store.history())
        .singleElement()
        .extracting(ClosedPeriod::spentMicros)
        .isEqualTo(spentBefore);
  }

  @Test
  void aPeriodThatHasNotElapsedKeepsItsSpend() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT).resetEvery(Duration.ofHours(1)));
    pouch.store.givenSpent(key.view().key().id(), 1_000);
    pouch.clock.set(T0.plus(Duration.ofMinutes(59)));

    pouch.chat(key, chat().maxTokens(10));

    assertThat(pouch.budget(key).spentMicros()).isEqualTo(1_000 + ANSWER_COST);
    assertThat(pouch.store.history()).isEmpty();
  }

  @Test
  void aResetLeavesInFlightReservationsToSettleIntoTheNewPeriod() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT).resetEvery(Duration.ofHours(1)));
    AtomicBoolean first = new AtomicBoolean(true);
    pouch.upstream.answer(
        call -> {
          if (first.getAndSet(false)) {
            // While this request is open, the period ends and another request starts the next.
            pouch.clock.advance(Duration.ofHours(1));
            pouch.chat(key, chat().maxTokens(5));
          }
          return FakeUpstream.defaultAnswer();
        });

    pouch.chat(key, chat().maxTokens(10));

    assertThat(pouch.budget(key).reservedMicros()).isZero();
    assertThat(pouch.store.history())
        .singleElement()
        .extracting(ClosedPeriod::spentMicros)
        .as("nothing had settled when the period closed")
        .isEqualTo(0L);
    assertThat(pouch.budget(key).spentMicros())
        .as("both requests settled into the new period")
        .isEqualTo(2 * ANSWER_COST);
  }
}
