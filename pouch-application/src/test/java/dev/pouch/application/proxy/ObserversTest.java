package dev.pouch.application.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.chain.RequestObserver;
import dev.pouch.domain.chain.ReservationQuote;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.log.RequestRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ObserversTest {
  private static final ReservationQuote QUOTE =
      new ReservationQuote(10, 20, 300, new Budget(0, 0, 0, Instant.EPOCH, 0));

  private final List<String> calls = new ArrayList<>();

  private RequestObserver recording(String name, boolean refuses) {
    return new RequestObserver() {
      @Override
      public Optional<Refusal> reserving(ReservationQuote quote) {
        calls.add(name + ".reserving");
        return refuses ? Optional.of(Refusal.rateLimited("no", 1)) : Optional.empty();
      }

      @Override
      public void notReserved() {
        calls.add(name + ".notReserved");
      }

      @Override
      public void settled(RequestRecord record) {
        calls.add(name + ".settled");
        throw new IllegalStateException("a buggy observer");
      }
    };
  }

  @Test
  void aRefusalReleasesOnlyTheObserversToldBeforeIt() {
    Observers observers =
        new Observers(List.of(recording("a", false), recording("b", true), recording("c", false)));

    assertThat(observers.reserving(QUOTE))
        .map(Refusal::code)
        .contains(ErrorCode.RATE_LIMIT_EXCEEDED);

    assertThat(calls).containsExactly("a.reserving", "b.reserving", "a.notReserved");
  }

  @Test
  void settlementReachesEveryToldObserverEvenWhenOneFails() {
    Observers observers = new Observers(List.of(recording("a", false), recording("b", false)));
    observers.reserving(QUOTE);

    observers.settled(null);

    assertThat(calls).containsExactly("a.reserving", "b.reserving", "a.settled", "b.settled");
  }

  @Test
  void aNotReservedAfterAllReleasesEveryone() {
    Observers observers = new Observers(List.of(recording("a", false), recording("b", false)));
    observers.reserving(QUOTE);

    observers.notReserved();
    observers.settled(null);

    assertThat(calls)
        .containsExactly("a.reserving", "b.reserving", "a.notReserved", "b.notReserved");
  }
}
