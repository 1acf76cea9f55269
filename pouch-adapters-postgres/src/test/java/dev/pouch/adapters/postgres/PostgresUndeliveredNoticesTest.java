package dev.pouch.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.port.out.UndeliveredNotices;
import dev.pouch.application.port.out.UndeliveredNotices.UndeliveredNotice;
import dev.pouch.testkit.TestData;
import dev.pouch.testkit.UndeliveredNoticesContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The undelivered notices contract on PostgreSQL, and that they outlive a restart. */
@ExtendWith(TestDatabase.class)
class PostgresUndeliveredNoticesTest extends UndeliveredNoticesContract {
  private PostgresStore store;

  @Override
  protected UndeliveredNotices createUndeliveredNotices() {
    store = TestDatabase.open(getClass());
    return store.undeliveredNotices();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void keptNoticesOutliveARestart() {
    UndeliveredNotice notice =
        new UndeliveredNotice(
            "hooks.example.com",
            "spend_guard.tripped",
            "key_9",
            "{}",
            500,
            "HTTP 500",
            5,
            TestData.T0,
            TestData.T0.plusSeconds(61));
    long id = undelivered.record(notice);
    store.close();

    store = PostgresStore.open(TestDatabase.schemaOf(getClass()));

    assertThat(store.undeliveredNotices().list(null, 5))
        .containsExactly(new UndeliveredNotices.Kept(id, notice));
  }
}
