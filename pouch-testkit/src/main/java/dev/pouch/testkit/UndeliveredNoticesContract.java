package dev.pouch.testkit;

import static dev.pouch.testkit.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.port.out.UndeliveredNotices;
import dev.pouch.application.port.out.UndeliveredNotices.Kept;
import dev.pouch.application.port.out.UndeliveredNotices.UndeliveredNotice;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link UndeliveredNotices} must do: a kept notice comes back whole (nullable fields
 * included), newest first and paged by id, and is deleted one at a time or all at once. Return a
 * fresh, empty store from {@link #createUndeliveredNotices()}; it is closed after each test when it
 * is {@link AutoCloseable}.
 */
public abstract class UndeliveredNoticesContract {
  /** The store under test, fresh for every test. */
  protected UndeliveredNotices undelivered;

  /** A new, empty store. */
  protected abstract UndeliveredNotices createUndeliveredNotices() throws Exception;

  @BeforeEach
  void createUndeliveredNoticesUnderTest() throws Exception {
    undelivered = createUndeliveredNotices();
  }

  @AfterEach
  void closeUndeliveredNoticesUnderTest() throws Exception {
    Closing.closeIfCloseable(undelivered);
  }

  private static UndeliveredNotice notice(String type, int attempts) {
    return new UndeliveredNotice(
        "hooks.example.com",
        type,
        "key_1",
        "{\"type\":\"" + type + "\",\"percent\":50}",
        503,
        "HTTP 503",
        attempts,
        T0,
        T0.plusSeconds(60));
  }

  @Test
  void aKeptNoticeComesBackWhole() {
    UndeliveredNotice kept = notice("budget_alert", 5);

    long id = undelivered.record(kept);

    assertThat(undelivered.list(null, 10)).containsExactly(new Kept(id, kept));
  }

  @Test
  void aNoticeWithoutStatusTypeOrKeyComesBackWithTheirAbsence() {
    UndeliveredNotice unreachable =
        new UndeliveredNotice(
            "10.0.0.1", null, null, "{}", null, "ConnectException", 0, T0, T0.plusMillis(1));

    long id = undelivered.record(unreachable);

    assertThat(undelivered.list(null, 10)).containsExactly(new Kept(id, unreachable));
  }

  @Test
  void noticesAreListedNewestFirstAndPagedByTheLastIdSeen() {
    long first = undelivered.record(notice("a", 1));
    long second = undelivered.record(notice("b", 2));
    long third = undelivered.record(notice("c", 3));

    List<Kept> newest = undelivered.list(null, 2);
    List<Kept> rest = undelivered.list(newest.get(1).id(), 2);

    assertThat(first).isLessThan(second);
    assertThat(second).isLessThan(third);
    assertThat(newest).extracting(Kept::id).containsExactly(third, second);
    assertThat(rest).extracting(Kept::id).containsExactly(first);
    assertThat(undelivered.list(first, 2)).isEmpty();
  }

  @Test
  void oneNoticeIsDeletedByItsIdAndAnUnknownIdDeletesNothing() {
    long first = undelivered.record(notice("a", 1));
    long second = undelivered.record(notice("b", 1));

    assertThat(undelivered.delete(first)).isTrue();
    assertThat(undelivered.delete(first)).as("already gone").isFalse();
    assertThat(undelivered.delete(second + 100)).isFalse();
    assertThat(undelivered.list(null, 10)).extracting(Kept::id).containsExactly(second);
  }

  @Test
  void deletingAllSaysHowManyThereWereAndIdsAreNotGivenAgain() {
    undelivered.record(notice("a", 1));
    long last = undelivered.record(notice("b", 1));

    assertThat(undelivered.deleteAll()).isEqualTo(2);
    assertThat(undelivered.list(null, 10)).isEmpty();
    assertThat(undelivered.deleteAll()).isZero();
    assertThat(undelivered.record(notice("c", 1))).isGreaterThan(last);
  }
}
