package dev.pouch.testkit;

import static dev.pouch.testkit.TestData.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.port.out.StoredResponses;
import dev.pouch.application.port.out.StoredResponses.StoredResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link StoredResponses} must do: an answer recorded is found with its key and context,
 * an id never recorded or forgotten is not, and recording an id again replaces its row. Return a
 * fresh, empty store from {@link #createStoredResponses()}; it is closed after each test when it is
 * {@link AutoCloseable}.
 */
public abstract class StoredResponsesContract {
  /** The store under test, fresh for every test. */
  protected StoredResponses storedResponses;

  /** A new, empty store. */
  protected abstract StoredResponses createStoredResponses() throws Exception;

  @BeforeEach
  void createStoredResponsesUnderTest() throws Exception {
    storedResponses = createStoredResponses();
  }

  @AfterEach
  void closeStoredResponsesUnderTest() throws Exception {
    Closing.closeIfCloseable(storedResponses);
  }

  @Test
  void aRecordedAnswerIsFoundWithItsKeyAndContext() {
    storedResponses.record("resp_1", "key_1", 1_234, T0);
    storedResponses.record("resp_2", "key_2", 7, T0.plusSeconds(1));

    assertThat(storedResponses.lookup("resp_1")).contains(new StoredResponse("key_1", 1_234));
    assertThat(storedResponses.lookup("resp_2")).contains(new StoredResponse("key_2", 7));
  }

  @Test
  void anIdNeverRecordedIsNotFound() {
    storedResponses.record("resp_1", "key_1", 10, T0);

    assertThat(storedResponses.lookup("resp_other")).isEmpty();
  }

  @Test
  void aForgottenAnswerIsNotFoundAndForgettingAnUnknownIdDoesNothing() {
    storedResponses.record("resp_1", "key_1", 10, T0);
    storedResponses.record("resp_2", "key_1", 20, T0);

    storedResponses.forget("resp_1");
    storedResponses.forget("resp_never");

    assertThat(storedResponses.lookup("resp_1")).isEmpty();
    assertThat(storedResponses.lookup("resp_2")).contains(new StoredResponse("key_1", 20));
  }

  @Test
  void recordingAnIdAgainReplacesItsRow() {
    storedResponses.record("resp_1", "key_1", 10, T0);
    storedResponses.record("resp_1", "key_1", 25, T0.plusSeconds(5));

    assertThat(storedResponses.lookup("resp_1")).contains(new StoredResponse("key_1", 25));
  }
}
