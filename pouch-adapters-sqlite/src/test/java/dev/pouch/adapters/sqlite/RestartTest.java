package dev.pouch.adapters.sqlite;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.reservation;
import static dev.pouch.testkit.TestData.settlement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.testkit.TestData;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestartTest {
  @TempDir Path dir;

  @Test
  void reopenedStoreKeepsEverythingAndRecoversOpenReservationsAtFullAmount() {
    AppKey key = TestData.key("key_1", "a".repeat(64), T0);
    Reservation settled = reservation("r1", "key_1", 300);
    Reservation open1 = reservation("r2", "key_1", 200);
    Reservation open2 = reservation("r3", "key_2", 50);
    try (SqliteStore store = Fixtures.open(dir)) {
      store.insert(key);
      store.open("key_1", 1_000, 0, T0);
      store.open("key_2", 0, 0, T0);
      store.reserve(settled);
      store.settle(settlement(settled, 120));
      store.reserve(open1);
      store.reserve(open2);
    }

    try (SqliteStore store = Fixtures.open(dir)) {
      assertThat(store.findById("key_1")).contains(key);
      assertThat(store.findBySecretHash("a".repeat(64))).contains(key);
      assertThat(store.find("key_1")).contains(new Budget(1_000, 120, 200, T0, 0));
      assertThat(store.find("key_2")).contains(new Budget(0, 0, 50, T0, 0));
      assertThat(store.list(null, null, 10)).hasSize(1);
      assertThat(Fixtures.count(store, "SELECT count(*) FROM schema_version"))
          .isEqualTo(Migrations.FILES.size());

      Instant now = T0.plusSeconds(60);
      assertThat(store.recoverOpenReservations(now)).isEqualTo(2);

      assertThat(store.find("key_1")).contains(new Budget(1_000, 320, 0, T0, 0));
      assertThat(store.find("key_2")).contains(new Budget(0, 50, 0, T0, 0));
      RequestRecord recovered = store.list("key_1", null, 10).get(0);
      assertThat(recovered.requestId()).isEqualTo("r2");
      assertThat(recovered.basis()).isEqualTo(SettlementBasis.RECOVERED);
      assertThat(recovered.costMicros()).isEqualTo(200);
      assertThat(recovered.reservedMicros()).isEqualTo(200);
      assertThat(recovered.errorCode()).isEqualTo("recovered");
      assertThat(recovered.latencyMillis()).isEqualTo(60_000);
      assertThat(store.recoverOpenReservations(now.plusSeconds(1))).isZero();
      // recovered reservations are settled: a late settlement changes nothing
      assertThat(store.settle(settlement(open1, 10))).isFalse();
      assertThat(store.find("key_1").orElseThrow().spentMicros()).isEqualTo(320);
    }
  }

  @Test
  void closedStoreRefusesWorkAndClosesTwiceHarmlessly() {
    SqliteStore store = Fixtures.open(dir);
    store.close();
    store.close();

    assertThatThrownBy(() -> store.find("key_1")).isInstanceOf(RuntimeException.class);
    assertThatThrownBy(() -> store.open("key_1", 1, 0, T0)).isInstanceOf(RuntimeException.class);
  }

  @Test
  void storeCreatesMissingParentDirectories() {
    Path file = dir.resolve("a/b/pouch.db");
    try (SqliteStore store = SqliteStore.open(file)) {
      store.open("key_1", 1, 0, T0);
    }
    assertThat(file).exists();
  }
}
