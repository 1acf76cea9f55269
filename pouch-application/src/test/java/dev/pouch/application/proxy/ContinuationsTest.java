package dev.pouch.application.proxy;

import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.fakes.InMemoryStore;
import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.out.StoredResponses.StoredResponse;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Charge;
import dev.pouch.domain.budget.Ending;
import dev.pouch.domain.budget.ReservationPlan;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.provider.ResponsesRequest;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * FINANCIAL_SAFETY of continuations: a continued response's recorded context is what the quote adds
 * to the prompt bound; ids Pouch cannot bound are refused on budget keys, another key's on any key;
 * an answer is recorded only when its settlement knows its context, never below it.
 */
class ContinuationsTest {
  @RegisterExtension final TestPouch pouch = new TestPouch();

  private static final Budget LIMITED = new Budget(1_000_000, 0, 0, Instant.EPOCH, 0);
  private static final Budget UNLIMITED = new Budget(0, 0, 0, Instant.EPOCH, 0);
  private static final ReservationPlan PLAN = new ReservationPlan(500, 100, 1, false, 900, 116);

  private final InMemoryStore store = new InMemoryStore();
  private final Continuations continuations = new Continuations(store);

  private AppKey key() {
    return pouch.authenticate(pouch.create(aKey().budget(1_000_000)));
  }

  private static ResponsesRequest request(Object... fields) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "m");
    body.put("input", "hi");
    for (int i = 0; i < fields.length; i += 2) {
      body.put((String) fields[i], fields[i + 1]);
    }
    return ResponsesRequest.of(body);
  }

  private static Refusal refusal(Continuations.Lookup lookup) {
    assertThat(lookup).isInstanceOf(Continuations.Lookup.Refused.class);
    return ((Continuations.Lookup.Refused) lookup).refusal();
  }

  @Test
  void aRequestThatContinuesNothingAddsNoContext() {
    assertThat(continuations.lookup(request(), key(), LIMITED))
        .isEqualTo(new Continuations.Lookup.Context(0));
  }

  @Test
  void aResponseRecordedForTheSameKeyAddsItsRecordedContext() {
    AppKey key = key();
    store.record("resp_1", key.id(), 1_234, Instant.EPOCH);

    assertThat(continuations.lookup(request("previous_response_id", "resp_1"), key, LIMITED))
        .isEqualTo(new Continuations.Lookup.Context(1_234));
  }

  @Test
  void anIdNeverRecordedIsRefusedOnABudgetKeyAndPassedOnAnUnlimitedOne() {
    AppKey key = key();
    ResponsesRequest continuing = request("previous_response_id", "resp_x");

    Refusal refused = refusal(continuations.lookup(continuing, key, LIMITED));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.param()).isEqualTo("previous_response_id");
    assertThat(continuations.lookup(continuing, key, UNLIMITED))
        .isEqualTo(new Continuations.Lookup.Context(0));
  }

  @Test
  void anotherKeysResponseIsRefusedEvenOnAnUnlimitedKey() {
    store.record("resp_1", "key_owner", 10, Instant.EPOCH);
    ResponsesRequest continuing = request("previous_response_id", "resp_1");

    assertThat(refusal(continuations.lookup(continuing, key(), UNLIMITED)).param())
        .isEqualTo("previous_response_id");
    assertThat(refusal(continuations.lookup(continuing, key(), LIMITED)).param())
        .isEqualTo("previous_response_id");
  }

  @Test
  void withoutAStoreEveryContinuationIsRefusedOnABudgetKey() {
    refusal(Continuations.NONE.lookup(request("previous_response_id", "resp_1"), key(), LIMITED));
  }

  @Test
  void aCompletedAnswerIsRecordedWithItsSettledInputAndOutput() {
    Continuations.Recording recording = continuations.recordingFor(request(), "key_1", 0);
    recording.answered("resp_1");

    recording.settled(
        Ending.COMPLETED,
        200,
        new Charge(50, SettlementBasis.USAGE_REPORTED, 300, 0, 40),
        PLAN,
        Instant.EPOCH);

    assertThat(store.lookup("resp_1")).contains(new StoredResponse("key_1", 340));
  }

  @Test
  void anAnswerWithoutUsageIsRecordedAtThePlansBoundsNeverBelowTheTruth() {
    Continuations.Recording recording = continuations.recordingFor(request(), "key_1", 0);
    recording.answered("resp_1");

    recording.settled(
        Ending.COMPLETED,
        200,
        new Charge(900, SettlementBasis.FULL_RESERVATION, 500, 0, 3),
        PLAN,
        Instant.EPOCH);

    assertThat(store.lookup("resp_1")).contains(new StoredResponse("key_1", 500 + 116));
  }

  @Test
  void anAnswerWhoseContextIsUnknownOrNotStoredIsNotRecorded() {
    Charge reported = new Charge(50, SettlementBasis.USAGE_REPORTED, 300, 0, 40);
    record(request(), "resp_closed", Ending.CLIENT_CLOSED, 200, reported);
    record(request(), "resp_cut", Ending.CAPPED, 200, reported);
    record(request(), "resp_broken", Ending.INTERRUPTED, 200, reported);
    record(request(), "resp_error", Ending.COMPLETED, 500, reported);
    record(
        request(),
        "resp_implausible",
        Ending.COMPLETED,
        200,
        new Charge(900, SettlementBasis.IMPLAUSIBLE_USAGE, 500, 0, 0));
    record(request("store", false), "resp_unstored", Ending.COMPLETED, 200, reported);

    for (String id :
        new String[] {
          "resp_closed",
          "resp_cut",
          "resp_broken",
          "resp_error",
          "resp_implausible",
          "resp_unstored"
        }) {
      assertThat(store.lookup(id)).as(id).isEmpty();
    }
  }

  private void record(
      ResponsesRequest request, String id, Ending ending, int status, Charge charge) {
    Continuations.Recording recording = continuations.recordingFor(request, "key_1", 0);
    recording.answered(id);
    recording.settled(ending, status, charge, PLAN, Instant.EPOCH);
  }
}
