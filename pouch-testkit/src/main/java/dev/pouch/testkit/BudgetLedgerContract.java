package dev.pouch.testkit;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.reservation;
import static dev.pouch.testkit.TestData.settlement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.application.port.out.RequestLog.DailySpend;
import dev.pouch.application.port.out.RequestLog.UsageBucket;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetLayer;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.EndUser;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.ReserveResult;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.error.InternalException;
import dev.pouch.domain.log.RequestRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BudgetLedger} must do: the rules of DESIGN.md §3a. Reservations are guarded
 * (concurrent ones never take more than the limit) and idempotent by id, settlement is exactly-once
 * and writes its log row, a new period keeps reservations, recovery charges open reservations in
 * full.
 *
 * <p>Return a fresh, empty ledger from {@link #createLedger()}; it is closed after each test when
 * it is {@link AutoCloseable}. Settlements write their request-log row in the same transaction, so
 * the contract reads it back through {@link #requestLogOf}; override that when the ledger is not
 * itself the {@link RequestLog}.
 */
public abstract class BudgetLedgerContract {
  /** Concurrent callers of the concurrency tests. */
  private static final int THREADS = 32;

  /** The ledger under test, fresh for every test. */
  protected BudgetLedger ledger;

  /** A new, empty ledger. */
  protected abstract BudgetLedger createLedger() throws Exception;

  /** The request log that {@code ledger}'s settlements write to. */
  protected RequestLog requestLogOf(BudgetLedger ledger) {
    if (ledger instanceof RequestLog) {
      return (RequestLog) ledger;
    }
    throw new UnsupportedOperationException("override requestLogOf: the ledger is no RequestLog");
  }

  @BeforeEach
  void createLedgerUnderTest() throws Exception {
    ledger = createLedger();
    ledger.open("key_1", 1_000, 86_400, T0);
  }

  @AfterEach
  void closeLedgerUnderTest() throws Exception {
    Closing.closeIfCloseable(ledger);
  }

  private Budget budget() {
    return ledger.require("key_1");
  }

  private List<RequestRecord> logRows() {
    return requestLogOf(ledger).list("key_1", null, 1000);
  }

  @Test
  void openedBudgetHasNothingSpentOrReservedAndReopeningChangesNothing() {
    ledger.reserve(reservation("r1", "key_1", 100));

    ledger.open("key_1", 5, 0, T0.plusSeconds(99));

    assertThat(budget()).isEqualTo(new Budget(1_000, 0, 100, T0, 86_400));
    assertThat(ledger.find("key_none")).isEmpty();
    assertThatThrownBy(() -> ledger.require("key_none")).isInstanceOf(InternalException.class);
  }

  @Test
  void findAllHasEveryBudgetByKey() {
    ledger.open("key_2", 0, 0, T0);

    assertThat(ledger.findAll())
        .containsOnlyKeys("key_1", "key_2")
        .containsEntry("key_2", new Budget(0, 0, 0, T0, 0));
  }

  @Test
  void reservationWithinTheLimitIsTaken() {
    assertThat(ledger.reserve(reservation("r1", "key_1", 600))).isTrue();
    assertThat(ledger.reserve(reservation("r2", "key_1", 400))).isTrue();

    assertThat(budget().reservedMicros()).isEqualTo(1_000);
    assertThat(budget().headroomMicros()).isZero();
  }

  @Test
  void reservationThatWouldExceedTheLimitIsRefusedAndLeavesNoTrace() {
    ledger.reserve(reservation("r1", "key_1", 600));

    assertThat(ledger.reserve(reservation("r2", "key_1", 401))).isFalse();

    assertThat(budget().reservedMicros()).isEqualTo(600);
    // no reservation stayed behind: settling it finds nothing
    assertThat(ledger.settle(settlement(reservation("r2", "key_1", 401), 0))).isFalse();
    // and the id is free again once the budget allows it
    ledger.configure("key_1", List.of(new BudgetTerms(2_000, 86_400)), T0);
    assertThat(ledger.reserve(reservation("r2", "key_1", 401))).isTrue();
    assertThat(budget().reservedMicros()).isEqualTo(1_001);
  }

  @Test
  void reservationForAKeyWithoutBudgetIsRefused() {
    assertThat(ledger.reserve(reservation("r1", "key_none", 1))).isFalse();
    assertThat(ledger.find("key_none")).isEmpty();
  }

  @Test
  void unlimitedBudgetTakesAnyReservation() {
    ledger.open("key_free", 0, 0, T0);

    assertThat(ledger.reserve(reservation("r1", "key_free", 1_000_000_000_000L))).isTrue();
    assertThat(ledger.reserve(reservation("r2", "key_free", 1_000_000_000_000L))).isTrue();

    assertThat(ledger.require("key_free").reservedMicros()).isEqualTo(2_000_000_000_000L);
  }

  @Test
  void reservingTheSameIdTwiceTakesOnce() {
    assertThat(ledger.reserve(reservation("r1", "key_1", 300))).isTrue();
    assertThat(ledger.reserve(reservation("r1", "key_1", 300))).isTrue();
    assertThat(ledger.reserve(reservation("r1", "key_1", 900))).isTrue();

    assertThat(budget().reservedMicros()).isEqualTo(300);
  }

  @Test
  void reservingASettledOrRecoveredIdAgainTakesNothing() {
    Reservation settled = reservation("r1", "key_1", 300);
    ledger.reserve(settled);
    ledger.settle(settlement(settled, 120));
    Reservation recovered = reservation("r2", "key_1", 200);
    ledger.reserve(recovered);
    ledger.recoverOpenReservations(T0.plusSeconds(60));

    assertThat(ledger.reserve(settled)).isTrue();
    assertThat(ledger.reserve(recovered)).isTrue();

    assertThat(budget().reservedMicros()).isZero();
    assertThat(ledger.settle(settlement(settled, 50))).isFalse();
    assertThat(ledger.settle(settlement(recovered, 50))).isFalse();
    assertThat(budget().spentMicros()).isEqualTo(320);
  }

  @Test
  void settlementMovesTheActualToSpentAndWritesTheLogRowOnce() {
    Reservation reservation = reservation("r1", "key_1", 300);
    ledger.reserve(reservation);

    assertThat(ledger.settle(settlement(reservation, 120))).isTrue();
    assertThat(ledger.settle(settlement(reservation, 250))).isFalse();

    assertThat(budget().spentMicros()).isEqualTo(120);
    assertThat(budget().reservedMicros()).isZero();
    assertThat(logRows()).containsExactly(settlement(reservation, 120).record());
  }

  @Test
  void settlementAboveTheReservationIsChargedInFull() {
    Reservation reservation = reservation("r1", "key_1", 300);
    ledger.reserve(reservation);

    assertThat(ledger.settle(settlement(reservation, 450))).isTrue();

    assertThat(budget().spentMicros()).isEqualTo(450);
    assertThat(budget().reservedMicros()).isZero();
    assertThat(logRows()).singleElement().extracting(RequestRecord::overrunMicros).isEqualTo(150L);
  }

  @Test
  void refundReturnsTheWholeReservation() {
    Reservation reservation = reservation("r1", "key_1", 1_000);
    ledger.reserve(reservation);

    assertThat(ledger.settle(settlement(reservation, 0))).isTrue();

    assertThat(budget()).isEqualTo(new Budget(1_000, 0, 0, T0, 86_400));
    assertThat(logRows())
        .singleElement()
        .extracting(RequestRecord::basis)
        .isEqualTo(SettlementBasis.REFUNDED);
  }

  @Test
  void settlingAnUnknownReservationChangesNothing() {
    assertThat(ledger.settle(settlement(reservation("ghost", "key_1", 5), 5))).isFalse();

    assertThat(budget()).isEqualTo(new Budget(1_000, 0, 0, T0, 86_400));
    assertThat(logRows()).isEmpty();
  }

  @Test
  void newPeriodStartsOnceAndLeavesReservationsAlone() {
    Reservation settled = reservation("r1", "key_1", 300);
    ledger.reserve(settled);
    ledger.settle(settlement(settled, 200));
    Reservation inFlight = reservation("r2", "key_1", 100);
    ledger.reserve(inFlight);
    Instant next = T0.plusSeconds(86_400);

    assertThat(ledger.startPeriod("key_1", T0, next)).isTrue();
    assertThat(ledger.startPeriod("key_1", T0, next)).isFalse();
    assertThat(ledger.startPeriod("key_none", T0, next)).isFalse();

    assertThat(budget()).isEqualTo(new Budget(1_000, 0, 100, next, 86_400));
    // the in-flight request settles into the new period
    ledger.settle(settlement(inFlight, 60));
    assertThat(budget()).isEqualTo(new Budget(1_000, 60, 0, next, 86_400));
  }

  @Test
  void configureChangesOnlyTheLimitAndThePeriod() {
    ledger.reserve(reservation("r1", "key_1", 700));

    ledger.configure("key_1", List.of(new BudgetTerms(500, 3_600)), T0.plusSeconds(5));

    assertThat(budget()).isEqualTo(new Budget(500, 0, 700, T0, 3_600));
    assertThat(ledger.reserve(reservation("r2", "key_1", 1))).isFalse();
  }

  // ---- layers: several budgets per key, and the key's team

  /** key_l: $ daily 1 000 and lifetime 5 000; its team team_l: 2 000 a month, 10 000 lifetime. */
  private void givenLayers() {
    ledger.open("key_l", List.of(new BudgetTerms(1_000, 86_400), new BudgetTerms(5_000, 0)), T0);
    ledger.open(
        "team_l", List.of(new BudgetTerms(2_000, 2_592_000), new BudgetTerms(10_000, 0)), T0);
  }

  private static Reservation layered(String id, long amountMicros) {
    return new Reservation(id, "key_l", "team_l", amountMicros, T0);
  }

  private List<Long> reservedOfEveryLayer() {
    List<Long> reserved = new ArrayList<>();
    ledger.budgets("key_l").forEach(budget -> reserved.add(budget.reservedMicros()));
    ledger.budgets("team_l").forEach(budget -> reserved.add(budget.reservedMicros()));
    return reserved;
  }

  private List<Long> spentOfEveryLayer() {
    List<Long> spent = new ArrayList<>();
    ledger.budgets("key_l").forEach(budget -> spent.add(budget.spentMicros()));
    ledger.budgets("team_l").forEach(budget -> spent.add(budget.spentMicros()));
    return spent;
  }

  @Test
  void anOwnersBudgetsAreOpenedInOrderAndOnlyOnce() {
    givenLayers();
    ledger.open("key_l", List.of(new BudgetTerms(1, 1)), T0.plusSeconds(9));

    assertThat(ledger.budgets("key_l"))
        .containsExactly(new Budget(1_000, 0, 0, T0, 86_400), new Budget(5_000, 0, 0, T0, 0));
    assertThat(ledger.find("key_l")).contains(new Budget(1_000, 0, 0, T0, 86_400));
    assertThat(ledger.budgets("team_none")).isEmpty();
    assertThat(ledger.findAllBudgets().get("team_l")).hasSize(2);
    assertThat(ledger.findAll().get("team_l")).isEqualTo(new Budget(2_000, 0, 0, T0, 2_592_000));
  }

  @Test
  void aReservationTakesFromEveryLayerOfTheKeyAndItsTeam() {
    givenLayers();

    assertThat(ledger.take(layered("r1", 600))).isEqualTo(ReserveResult.RESERVED);

    assertThat(reservedOfEveryLayer()).containsExactly(600L, 600L, 600L, 600L);
  }

  @Test
  void whenOneLayerCannotCoverItNoLayerIsTakenFromAndTheRefusalNamesIt() {
    givenLayers();
    ledger.reserve(layered("r1", 900));
    // the key's daily budget has 100 left, every other layer more
    assertThat(ledger.take(layered("r2", 101)))
        .isEqualTo(new ReserveResult.Refused(new BudgetLayer("key_l", 0)));
    assertThat(reservedOfEveryLayer()).containsExactly(900L, 900L, 900L, 900L);

    ledger.configure(
        "key_l",
        List.of(new BudgetTerms(100_000, 86_400), new BudgetTerms(100_000, 0)),
        T0.plusSeconds(1));
    // now the team's monthly budget (2 000) is the one short: 900 + 1 101 > 2 000
    assertThat(ledger.take(layered("r3", 1_101)))
        .isEqualTo(new ReserveResult.Refused(new BudgetLayer("team_l", 0)));
    assertThat(reservedOfEveryLayer()).containsExactly(900L, 900L, 900L, 900L);
    // a refused id leaves no trace: it can be reserved once it fits
    assertThat(ledger.take(layered("r3", 1_100)).reserved()).isTrue();
    assertThat(reservedOfEveryLayer()).containsExactly(2_000L, 2_000L, 2_000L, 2_000L);
  }

  @Test
  void aKeyWithoutBudgetsIsRefusedEvenWhenItsTeamHasRoom() {
    ledger.open("team_only", List.of(new BudgetTerms(0, 0)), T0);

    assertThat(ledger.take(new Reservation("r1", "key_none", "team_only", 1, T0)))
        .isEqualTo(new ReserveResult.Refused(new BudgetLayer("key_none", 0)));
    assertThat(ledger.require("team_only").reservedMicros()).isZero();
  }

  @Test
  void settlementChargesEveryLayerItTookFromExactlyOnce() {
    givenLayers();
    Reservation reservation = layered("r1", 600);
    ledger.reserve(reservation);

    assertThat(ledger.settle(settlement(reservation, 250))).isTrue();
    assertThat(ledger.settle(settlement(reservation, 250))).isFalse();

    assertThat(spentOfEveryLayer()).containsExactly(250L, 250L, 250L, 250L);
    assertThat(reservedOfEveryLayer()).containsExactly(0L, 0L, 0L, 0L);
    assertThat(requestLogOf(ledger).list("key_l", null, 10)).hasSize(1);
  }

  @Test
  void settlementChargesTheBudgetsTheReservationTookFromNotThoseAddedSince() {
    givenLayers();
    Reservation reservation = layered("r1", 600);
    ledger.reserve(reservation);
    // the key keeps its first budget, drops its second and gains a new one
    ledger.configure(
        "key_l",
        List.of(new BudgetTerms(1_000, 86_400), new BudgetTerms(300, 3_600), new BudgetTerms(7, 0)),
        T0.plusSeconds(10));

    ledger.settle(settlement(reservation, 250));

    assertThat(ledger.budgets("key_l"))
        .containsExactly(
            new Budget(1_000, 250, 0, T0, 86_400),
            new Budget(300, 250, 0, T0, 3_600),
            new Budget(7, 0, 0, T0.plusSeconds(10), 0));
    assertThat(ledger.budgets("team_l"))
        .extracting(Budget::spentMicros)
        .containsExactly(250L, 250L);
  }

  @Test
  void configureDropsPositionsBeyondTheNewListAndTheirReservationsSettleIntoNothingThere() {
    givenLayers();
    Reservation reservation = layered("r1", 600);
    ledger.reserve(reservation);

    ledger.configure("key_l", List.of(new BudgetTerms(2_000, 86_400)), T0.plusSeconds(10));
    ledger.settle(settlement(reservation, 100));

    assertThat(ledger.budgets("key_l")).containsExactly(new Budget(2_000, 100, 0, T0, 86_400));
    assertThatThrownBy(() -> ledger.configure("key_none", List.of(new BudgetTerms(1, 0)), T0))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aPeriodResetsPerBudgetAndLeavesTheOtherLayersAlone() {
    givenLayers();
    Reservation settled = layered("r1", 600);
    ledger.reserve(settled);
    ledger.settle(settlement(settled, 400));
    Reservation inFlight = layered("r2", 100);
    ledger.reserve(inFlight);
    Instant next = T0.plusSeconds(86_400);

    assertThat(ledger.startPeriod("key_l", 0, T0, next)).isTrue();
    assertThat(ledger.startPeriod("key_l", 0, T0, next)).isFalse();
    assertThat(ledger.startPeriod("key_l", 7, T0, next)).isFalse();

    assertThat(ledger.budgets("key_l"))
        .containsExactly(
            new Budget(1_000, 0, 100, next, 86_400), new Budget(5_000, 400, 100, T0, 0));
    assertThat(ledger.budgets("team_l"))
        .extracting(Budget::spentMicros)
        .containsExactly(400L, 400L);
    ledger.settle(settlement(inFlight, 50));
    assertThat(spentOfEveryLayer()).containsExactly(50L, 450L, 450L, 450L);
  }

  @Test
  void recoveryChargesEveryLayerOfAnOpenReservationInFull() {
    givenLayers();
    ledger.reserve(layered("r1", 600));
    ledger.reserve(reservation("r2", "key_1", 100));

    assertThat(ledger.recoverOpenReservations(T0.plusSeconds(60))).isEqualTo(2);

    assertThat(spentOfEveryLayer()).containsExactly(600L, 600L, 600L, 600L);
    assertThat(reservedOfEveryLayer()).containsExactly(0L, 0L, 0L, 0L);
    assertThat(budget()).isEqualTo(new Budget(1_000, 100, 0, T0, 86_400));
  }

  @Test
  void droppingAnOwnerDropsItsBudgets() {
    givenLayers();

    ledger.drop("team_l");

    assertThat(ledger.budgets("team_l")).isEmpty();
    assertThat(ledger.findAllBudgets()).doesNotContainKey("team_l");
    assertThat(ledger.reserve(layered("r1", 10))).isTrue(); // the key's budgets alone now
  }

  @Test
  void concurrentReservationsOfKeysSharingATeamNeverOvershootAnyLayer() throws Exception {
    ledger.open("team_race", List.of(new BudgetTerms(1_000, 0)), T0);
    for (int k = 0; k < 4; k++) {
      ledger.open("key_race_" + k, List.of(new BudgetTerms(400, 0), new BudgetTerms(300, 60)), T0);
    }
    AtomicInteger taken = new AtomicInteger();
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String id = "r" + i;
      String key = "key_race_" + (i % 4);
      tasks.add(
          () -> {
            if (ledger.reserve(new Reservation(id, key, "team_race", 10, T0))) {
              taken.incrementAndGet();
            }
            return null;
          });
    }

    runAll(THREADS, tasks);

    // the team's 1 000 allows 100 of 10; each key's 300 allows 30: the team binds
    assertThat(taken.get()).isEqualTo(100);
    assertThat(ledger.require("team_race").reservedMicros()).isEqualTo(1_000);
    long keysReserved = 0;
    for (int k = 0; k < 4; k++) {
      List<Budget> budgets = ledger.budgets("key_race_" + k);
      assertThat(budgets.get(1).reservedMicros()).isLessThanOrEqualTo(300);
      assertThat(budgets.get(0).reservedMicros()).isEqualTo(budgets.get(1).reservedMicros());
      keysReserved += budgets.get(0).reservedMicros();
    }
    assertThat(keysReserved).isEqualTo(1_000);
  }

  @Test
  void recoveryChargesOpenReservationsInFullOnce() {
    Reservation settled = reservation("r1", "key_1", 300);
    ledger.reserve(settled);
    ledger.settle(settlement(settled, 120));
    Reservation open = reservation("r2", "key_1", 200);
    ledger.reserve(open);
    ledger.open("key_2", 0, 0, T0);
    ledger.reserve(reservation("r3", "key_2", 50));
    Instant now = T0.plusSeconds(60);

    assertThat(ledger.recoverOpenReservations(now)).isEqualTo(2);

    assertThat(budget()).isEqualTo(new Budget(1_000, 320, 0, T0, 86_400));
    assertThat(ledger.require("key_2")).isEqualTo(new Budget(0, 50, 0, T0, 0));
    RequestRecord recovered = logRows().get(0);
    assertThat(recovered.requestId()).isEqualTo("r2");
    assertThat(recovered.basis()).isEqualTo(SettlementBasis.RECOVERED);
    assertThat(recovered.costMicros()).isEqualTo(200);
    assertThat(ledger.recoverOpenReservations(now.plusSeconds(1))).isZero();
    // recovered reservations are settled: a late settlement changes nothing
    assertThat(ledger.settle(settlement(open, 10))).isFalse();
    assertThat(budget().spentMicros()).isEqualTo(320);
  }

  @Test
  void settledAndRecoveredRowsReachTheUsageTotalsAndOutlivePruning() {
    Reservation settled = reservation("r1", "key_1", 300);
    ledger.reserve(settled);
    ledger.settle(settlement(settled, 120));
    ledger.reserve(reservation("r2", "key_1", 200));
    ledger.recoverOpenReservations(T0.plusSeconds(60));
    RequestLog log = requestLogOf(ledger);
    Instant dayEnd = T0.plusSeconds(86_400);
    // the settlement's row (100 + 50 tokens, 120) and the recovered one (200, no tokens)
    UsageBucket bothRows = new UsageBucket(T0, 2, 100, 50, 320);
    assertThat(log.usage("key_1", T0, dayEnd, 86_400)).containsExactly(bothRows);

    int pruned = 0;
    while (log.prune(dayEnd, 1) == 1) {
      pruned++;
    }

    assertThat(pruned).isEqualTo(2);
    assertThat(logRows()).isEmpty();
    assertThat(log.usage("key_1", T0, dayEnd, 86_400)).containsExactly(bothRows);
    assertThat(log.usage(null, T0, dayEnd, 3_600)).containsExactly(bothRows);
    assertThat(log.dailySpend(T0, dayEnd).stream().mapToLong(DailySpend::costMicros).sum())
        .isEqualTo(320);
    assertThat(budget())
        .as("pruning leaves the ledger alone")
        .isEqualTo(new Budget(1_000, 320, 0, T0, 86_400));
    assertThat(ledger.settle(settlement(settled, 1))).isFalse();
  }

  @Test
  void onlyTenOfFiftySimultaneousReservationsGetTheLastCents() throws Exception {
    ledger.open("key_race", 100, 0, T0);
    CountDownLatch startGate = new CountDownLatch(50);
    AtomicInteger granted = new AtomicInteger();
    List<Callable<Void>> requests = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Reservation reservation = new Reservation("r" + i, "key_race", 10, T0.plusMillis(i));
      requests.add(
          () -> {
            startGate.countDown();
            startGate.await();
            if (ledger.reserve(reservation)) {
              granted.incrementAndGet();
            }
            return null;
          });
    }

    runAll(50, requests);

    assertThat(granted).hasValue(10);
    assertThat(ledger.require("key_race").reservedMicros()).isEqualTo(100);
  }

  @Test
  void concurrentReservationsAndSettlementsNeverOvershootAndBalanceExactly() throws Exception {
    AtomicInteger reserved = new AtomicInteger();
    AtomicLong charged = new AtomicLong();
    AtomicInteger overshoots = new AtomicInteger();
    List<Callable<Void>> requests = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Reservation reservation = reservation("r" + i, "key_1", 7);
      requests.add(
          () -> {
            if (ledger.reserve(reservation)) {
              reserved.incrementAndGet();
              countOvershoot(overshoots);
              // 4..7: together the requests would cost more than the limit allows
              long actual = 4 + ThreadLocalRandom.current().nextLong(4);
              assertThat(ledger.settle(settlement(reservation, actual))).isTrue();
              charged.addAndGet(actual);
            }
            countOvershoot(overshoots);
            return null;
          });
    }

    runAll(THREADS, requests);

    Budget budget = budget();
    assertThat(overshoots).hasValue(0);
    assertThat(budget.reservedMicros()).isZero();
    assertThat(budget.spentMicros()).isEqualTo(charged.get()).isLessThanOrEqualTo(1_000);
    assertThat(reserved.get()).isGreaterThanOrEqualTo(1_000 / 7);
    assertThat(logRows()).hasSize(reserved.get());
  }

  @Test
  void concurrentSettlementsOfOneReservationChargeItOnce() throws Exception {
    Reservation reservation = reservation("r1", "key_1", 500);
    ledger.reserve(reservation);
    AtomicInteger settled = new AtomicInteger();
    List<Callable<Void>> attempts = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      long actual = 100 + i;
      attempts.add(
          () -> {
            if (ledger.settle(settlement(reservation, actual))) {
              settled.incrementAndGet();
            }
            return null;
          });
    }

    runAll(THREADS, attempts);

    assertThat(settled).hasValue(1);
    assertThat(budget().reservedMicros()).isZero();
    assertThat(logRows())
        .singleElement()
        .extracting(RequestRecord::costMicros)
        .isEqualTo(budget().spentMicros());
  }

  @Test
  void concurrentReservationsOfOneIdTakeItOnce() throws Exception {
    List<Callable<Void>> attempts = new ArrayList<>();
    AtomicInteger accepted = new AtomicInteger();
    for (int i = 0; i < THREADS; i++) {
      attempts.add(
          () -> {
            if (ledger.reserve(reservation("r1", "key_1", 300))) {
              accepted.incrementAndGet();
            }
            return null;
          });
    }

    runAll(THREADS, attempts);

    assertThat(accepted).hasValue(THREADS);
    assertThat(budget().reservedMicros()).isEqualTo(300);
  }

  // ---- end users: the third layer, created on first use

  /** u's terms inside key_l: 100 a day and 500 lifetime. */
  private static final List<BudgetTerms> END_USER_TERMS =
      List.of(new BudgetTerms(100, 86_400), new BudgetTerms(500, 0));

  private static Reservation ofEndUser(String id, String endUserId, long amountMicros) {
    return new Reservation(
        id, "key_l", "team_l", amountMicros, T0, new EndUser("key_l", endUserId, END_USER_TERMS));
  }

  @Test
  void anEndUsersBudgetsAreCreatedOnFirstUseAndTakenTogetherWithTheKeysAndTheTeams() {
    givenLayers();

    assertThat(ledger.take(ofEndUser("r1", "u-1", 60))).isEqualTo(ReserveResult.RESERVED);

    assertThat(ledger.budgets("key_l/u-1"))
        .containsExactly(new Budget(100, 0, 60, T0, 86_400), new Budget(500, 0, 60, T0, 0));
    assertThat(reservedOfEveryLayer()).containsExactly(60L, 60L, 60L, 60L);
    assertThat(ledger.budgets("key_l/u-2")).isEmpty();
  }

  @Test
  void whenAnEndUsersBudgetCannotCoverItNoLayerIsTakenFromAndTheRefusalNamesIt() {
    givenLayers();
    ledger.reserve(ofEndUser("r1", "u-1", 60));

    assertThat(ledger.take(ofEndUser("r2", "u-1", 41)))
        .isEqualTo(new ReserveResult.Refused(new BudgetLayer("key_l/u-1", 0)));
    assertThat(reservedOfEveryLayer()).containsExactly(60L, 60L, 60L, 60L);
    assertThat(ledger.budgets("key_l/u-1"))
        .extracting(Budget::reservedMicros)
        .containsExactly(60L, 60L);
    // another end user has its own 100
    assertThat(ledger.take(ofEndUser("r3", "u-2", 41)).reserved()).isTrue();
    assertThat(reservedOfEveryLayer()).containsExactly(101L, 101L, 101L, 101L);
  }

  @Test
  void aRefusedFirstReservationCreatesNoBudgetsForTheEndUser() {
    givenLayers();

    assertThat(ledger.take(ofEndUser("r1", "u-big", 101)))
        .isEqualTo(new ReserveResult.Refused(new BudgetLayer("key_l/u-big", 0)));
    ledger.reserve(layered("r2", 950));
    // the key's daily budget refuses before the end user is ever created
    assertThat(ledger.take(ofEndUser("r3", "u-late", 60)))
        .isEqualTo(new ReserveResult.Refused(new BudgetLayer("key_l", 0)));

    assertThat(ledger.budgets("key_l/u-big")).isEmpty();
    assertThat(ledger.budgets("key_l/u-late")).isEmpty();
    assertThat(ledger.endUsers("key_l", null, 10)).isEmpty();
  }

  @Test
  void anEndUserThatHasBudgetsKeepsThemWhateverTermsALaterReservationCarries() {
    givenLayers();
    ledger.reserve(ofEndUser("r1", "u-1", 60));

    Reservation other =
        new Reservation(
            "r2",
            "key_l",
            "team_l",
            41,
            T0,
            new EndUser("key_l", "u-1", List.of(new BudgetTerms(1_000, 0))));
    assertThat(ledger.take(other))
        .isEqualTo(new ReserveResult.Refused(new BudgetLayer("key_l/u-1", 0)));
    assertThat(
            ledger
                .take(new Reservation("r3", "key_l", "team_l", 40, T0, other.endUser()))
                .reserved())
        .isTrue();

    assertThat(ledger.budgets("key_l/u-1"))
        .containsExactly(new Budget(100, 0, 100, T0, 86_400), new Budget(500, 0, 100, T0, 0));
  }

  @Test
  void anEndUserWithoutTermsIsRecordedButPaysFromTheKeyAndTheTeamOnly() {
    givenLayers();
    Reservation reservation =
        new Reservation("r1", "key_l", "team_l", 60, T0, new EndUser("key_l", "u-1", List.of()));

    assertThat(ledger.take(reservation)).isEqualTo(ReserveResult.RESERVED);
    ledger.settle(settlement(reservation, 25));

    assertThat(ledger.budgets("key_l/u-1")).isEmpty();
    assertThat(spentOfEveryLayer()).containsExactly(25L, 25L, 25L, 25L);
    assertThat(requestLogOf(ledger).list("key_l", null, 10))
        .singleElement()
        .extracting(RequestRecord::endUserId)
        .isEqualTo("u-1");
  }

  @Test
  void settlementChargesTheEndUserLayerOnceAndItsRowNamesTheEndUser() {
    givenLayers();
    Reservation reservation = ofEndUser("r1", "u-1", 60);
    ledger.reserve(reservation);

    assertThat(ledger.settle(settlement(reservation, 45))).isTrue();
    assertThat(ledger.settle(settlement(reservation, 45))).isFalse();

    assertThat(ledger.budgets("key_l/u-1"))
        .containsExactly(new Budget(100, 45, 0, T0, 86_400), new Budget(500, 45, 0, T0, 0));
    assertThat(spentOfEveryLayer()).containsExactly(45L, 45L, 45L, 45L);
    assertThat(requestLogOf(ledger).list("key_l", null, 10))
        .singleElement()
        .extracting(RequestRecord::endUserId)
        .isEqualTo("u-1");
  }

  @Test
  void anEndUsersPeriodResetsAloneAndInFlightRequestsSettleIntoEveryLayer() {
    givenLayers();
    Reservation settled = ofEndUser("r1", "u-1", 60);
    ledger.reserve(settled);
    ledger.settle(settlement(settled, 50));
    Reservation inFlight = ofEndUser("r2", "u-1", 30);
    ledger.reserve(inFlight);
    Instant next = T0.plusSeconds(86_400);

    assertThat(ledger.startPeriod("key_l/u-1", 0, T0, next)).isTrue();
    assertThat(ledger.startPeriod("key_l/u-1", 0, T0, next)).isFalse();
    ledger.settle(settlement(inFlight, 20));

    assertThat(ledger.budgets("key_l/u-1"))
        .containsExactly(new Budget(100, 20, 0, next, 86_400), new Budget(500, 70, 0, T0, 0));
    assertThat(spentOfEveryLayer()).containsExactly(70L, 70L, 70L, 70L);
  }

  @Test
  void recoveryChargesTheEndUserLayerOfAnOpenReservationInFull() {
    givenLayers();
    ledger.reserve(ofEndUser("r1", "u-1", 60));

    assertThat(ledger.recoverOpenReservations(T0.plusSeconds(60))).isEqualTo(1);

    assertThat(ledger.budgets("key_l/u-1"))
        .containsExactly(new Budget(100, 60, 0, T0, 86_400), new Budget(500, 60, 0, T0, 0));
    assertThat(spentOfEveryLayer()).containsExactly(60L, 60L, 60L, 60L);
    assertThat(requestLogOf(ledger).list("key_l", null, 10))
        .singleElement()
        .extracting(RequestRecord::endUserId)
        .isEqualTo("u-1");
  }

  @Test
  void aKeysEndUsersAreListedByIdInPagesAndNotAmongKeysAndTeams() {
    givenLayers();
    ledger.open("key_m", List.of(new BudgetTerms(0, 0)), T0);
    for (String id : List.of("u-3", "u-1", "a@example.com", "u-2")) {
      ledger.reserve(ofEndUser("r-" + id, id, 10));
    }
    ledger.reserve(
        new Reservation("r-m", "key_m", null, 10, T0, new EndUser("key_m", "u-9", END_USER_TERMS)));

    assertThat(ledger.endUsers("key_l", null, 2).keySet()).containsExactly("a@example.com", "u-1");
    assertThat(ledger.endUsers("key_l", "u-1", 2).keySet()).containsExactly("u-2", "u-3");
    assertThat(ledger.endUsers("key_l", "u-3", 2)).isEmpty();
    assertThat(ledger.endUsers("key_l", null, 10).get("u-2"))
        .containsExactly(new Budget(100, 0, 10, T0, 86_400), new Budget(500, 0, 10, T0, 0));
    assertThat(ledger.endUsers("key_m", null, 10).keySet()).containsExactly("u-9");
    assertThat(ledger.findAllBudgets().keySet())
        .containsExactlyInAnyOrder("key_1", "key_l", "team_l", "key_m");
  }

  @Test
  void newEndUserTermsApplyByPositionToEveryEndUserOfTheKeyOnly() {
    givenLayers();
    ledger.open("key_m", List.of(new BudgetTerms(0, 0)), T0);
    Reservation open = ofEndUser("r1", "u-1", 60);
    ledger.reserve(open);
    ledger.reserve(ofEndUser("r2", "u-2", 10));
    ledger.reserve(
        new Reservation("r-m", "key_m", null, 10, T0, new EndUser("key_m", "u-1", END_USER_TERMS)));
    Instant edited = T0.plusSeconds(30);

    ledger.configureEndUsers(
        "key_l",
        List.of(new BudgetTerms(300, 3_600), new BudgetTerms(500, 0), new BudgetTerms(9, 0)),
        edited);
    ledger.settle(settlement(open, 40));

    assertThat(ledger.budgets("key_l/u-1"))
        .containsExactly(
            new Budget(300, 40, 0, T0, 3_600),
            new Budget(500, 40, 0, T0, 0),
            new Budget(9, 0, 0, edited, 0));
    assertThat(ledger.budgets("key_l/u-2"))
        .extracting(Budget::limitMicros)
        .containsExactly(300L, 500L, 9L);
    assertThat(ledger.budgets("key_m/u-1"))
        .extracting(Budget::limitMicros)
        .containsExactly(100L, 500L);

    ledger.configureEndUsers("key_l", List.of(new BudgetTerms(50, 0)), edited);
    assertThat(ledger.budgets("key_l/u-2")).containsExactly(new Budget(50, 0, 10, T0, 0));
    ledger.configureEndUsers("key_l", List.of(), edited);
    assertThat(ledger.endUsers("key_l", null, 10)).isEmpty();
    assertThat(ledger.budgets("key_m/u-1")).hasSize(2);
  }

  @Test
  void concurrentFirstReservationsOfOneEndUserCreateItsBudgetsOnceAndNeverOvershoot()
      throws Exception {
    ledger.open("team_eu", List.of(new BudgetTerms(0, 0)), T0);
    ledger.open("key_eu", List.of(new BudgetTerms(0, 0)), T0);
    List<BudgetTerms> terms = List.of(new BudgetTerms(1_000, 86_400), new BudgetTerms(700, 0));
    AtomicInteger taken = new AtomicInteger();
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String id = "r" + i;
      String endUser = "u-" + (i % 3);
      tasks.add(
          () -> {
            EndUser named = new EndUser("key_eu", endUser, terms);
            if (ledger.reserve(new Reservation(id, "key_eu", "team_eu", 10, T0, named))) {
              taken.incrementAndGet();
            }
            return null;
          });
    }

    runAll(THREADS, tasks);

    // each end user's lifetime 700 covers its 67 or 66 requests of 10: all taken
    assertThat(taken.get()).isEqualTo(200);
    long endUsersReserved = 0;
    for (String endUser : List.of("u-0", "u-1", "u-2")) {
      List<Budget> budgets = ledger.budgets("key_eu/" + endUser);
      assertThat(budgets).hasSize(2);
      assertThat(budgets.get(0).reservedMicros()).isEqualTo(budgets.get(1).reservedMicros());
      endUsersReserved += budgets.get(0).reservedMicros();
    }
    assertThat(endUsersReserved).isEqualTo(2_000);
    assertThat(ledger.require("team_eu").reservedMicros()).isEqualTo(2_000);
  }

  @Test
  void concurrentReservationsOfOneEndUserNeverOvershootItsBudget() throws Exception {
    ledger.open("key_eu", List.of(new BudgetTerms(0, 0)), T0);
    List<BudgetTerms> terms = List.of(new BudgetTerms(300, 0));
    AtomicInteger taken = new AtomicInteger();
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String id = "r" + i;
      tasks.add(
          () -> {
            EndUser named = new EndUser("key_eu", "u-race", terms);
            if (ledger.reserve(new Reservation(id, "key_eu", null, 10, T0, named))) {
              taken.incrementAndGet();
            }
            return null;
          });
    }

    runAll(THREADS, tasks);

    assertThat(taken.get()).isEqualTo(30);
    assertThat(ledger.budgets("key_eu/u-race")).containsExactly(new Budget(300, 0, 300, T0, 0));
    assertThat(ledger.require("key_eu").reservedMicros()).isEqualTo(300);
  }

  private void countOvershoot(AtomicInteger overshoots) {
    Budget budget = budget();
    if (budget.usedMicros() > budget.limitMicros()) {
      overshoots.incrementAndGet();
    }
  }

  /** Runs every task on {@code threads} threads and rethrows the first failure. */
  private static void runAll(int threads, List<Callable<Void>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (Future<Void> future : pool.invokeAll(tasks, 120, TimeUnit.SECONDS)) {
        future.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
