package dev.pouch.application.proxy;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.FakeUpstream.DEFAULT_PROMPT_ESTIMATE;
import static dev.pouch.application.fakes.FakeUpstream.INPUT_MICROS;
import static dev.pouch.application.fakes.FakeUpstream.OUTPUT_MICROS;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static dev.pouch.application.fakes.PouchAssertions.assertRefused;
import static dev.pouch.application.fakes.TestPouch.MARGIN;
import static dev.pouch.application.fakes.TestPouch.reservationFor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.key.EndUserPolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A key with several budgets: every request is planned on the tightest and paid by all. */
class BudgetLayersTest {
  @RegisterExtension final TestPouch pouch = new TestPouch();

  private static long affordableOutput(long headroom) {
    return (headroom - DEFAULT_PROMPT_ESTIMATE * INPUT_MICROS) / OUTPUT_MICROS - MARGIN;
  }

  private List<Budget> budgets(CreatedKey key) {
    return pouch.store.budgets(key.view().key().id());
  }

  @Test
  void withoutMaxTokensTheClampUsesTheTightestBudgetsHeadroom() {
    CreatedKey key =
        pouch.create(
            aKey().budgets(new BudgetTerms(50_000, 86_400), new BudgetTerms(20_000, 2_592_000)));
    pouch.store.givenSpent(key.view().key().id(), 45_000); // the daily budget: 5 000 left

    ProxyResponse response = pouch.chat(key, chat());

    assertThat(response.status()).isEqualTo(200);
    long expected = affordableOutput(5_000);
    assertThat(pouch.upstream.onlyCall().request().maxOutputTokens()).isEqualTo(expected);
    assertThat(pouch.store.onlyRecord().reservedMicros()).isEqualTo(reservationFor(expected));
  }

  @Test
  void theClampFollowsWhicheverLayerIsTightestNow() {
    CreatedKey key =
        pouch.create(aKey().budgets(new BudgetTerms(9_000, 86_400), new BudgetTerms(3_000, 0)));

    pouch.chat(key, chat());

    assertThat(pouch.upstream.onlyCall().request().maxOutputTokens())
        .isEqualTo(affordableOutput(3_000));
  }

  private static EndUserPolicy endUserBudget(long limit) {
    return new EndUserPolicy(
        EndUserPolicy.Source.USER, false, List.of(new BudgetTerms(limit, 86_400)));
  }

  @Test
  void theClampAndTheRemainingHeaderFollowTheEndUsersBudgetWhenItIsTightest() {
    CreatedKey key =
        pouch.create(aKey().budgets(new BudgetTerms(90_000, 0)).endUser(endUserBudget(4_000)));

    ProxyResponse first = pouch.chat(key, chat().with("user", "u-1"));

    assertThat(first.status()).isEqualTo(200);
    assertThat(pouch.upstream.onlyCall().request().maxOutputTokens())
        .isEqualTo(affordableOutput(4_000));
    long reserved = pouch.store.onlyRecord().reservedMicros();
    assertThat(first.headers())
        .containsEntry(ProxyChat.REMAINING_HEADER, Long.toString(4_000 - reserved));
    long cost = pouch.store.onlyRecord().costMicros();
    assertThat(pouch.store.budgets(key.view().key().id() + "/u-1"))
        .extracting(Budget::spentMicros)
        .containsExactly(cost);
    assertThat(pouch.store.onlyRecord().endUserId()).isEqualTo("u-1");
  }

  @Test
  void anEndUserWhoseBudgetCannotPayIsRefusedNamingItAndNothingIsReserved() {
    CreatedKey key =
        pouch.create(aKey().budgets(new BudgetTerms(90_000, 0)).endUser(endUserBudget(100)));

    Refusal refusal =
        assertRefused(
            pouch.chat(key, chat().maxTokens(1_000).with("user", "u-9")),
            ErrorCode.BUDGET_EXCEEDED);

    assertThat(refusal.message())
        .startsWith("The end user 'u-9' budget (daily) cannot cover the request");
    assertThat(pouch.upstream.calls()).isEmpty();
    assertThat(budgets(key)).extracting(Budget::reservedMicros).containsExactly(0L);
    assertThat(pouch.store.budgets(key.view().key().id() + "/u-9")).isEmpty();
  }

  @Test
  void aSettledRequestIsChargedToEveryBudgetOfTheKeyOnce() {
    CreatedKey key =
        pouch.create(aKey().budgets(new BudgetTerms(90_000, 86_400), new BudgetTerms(0, 0)));

    pouch.chat(key, chat().maxTokens(10));

    long cost = pouch.store.onlyRecord().costMicros();
    assertThat(cost).isPositive();
    assertThat(budgets(key)).extracting(Budget::spentMicros).containsExactly(cost, cost);
    assertThat(budgets(key)).extracting(Budget::reservedMicros).containsExactly(0L, 0L);
  }

  @Test
  void theRemainingHeaderReportsTheTightestLayer() {
    CreatedKey key =
        pouch.create(aKey().budgets(new BudgetTerms(90_000, 86_400), new BudgetTerms(30_000, 0)));

    ProxyResponse response = pouch.chat(key, chat().maxTokens(10));

    long reserved = pouch.store.onlyRecord().reservedMicros();
    assertThat(response.headers())
        .containsEntry(ProxyChat.REMAINING_HEADER, Long.toString(30_000 - reserved));
  }

  @Test
  void aRefusalNamesTheBudgetThatCannotCoverTheRequest() {
    CreatedKey key =
        pouch.create(aKey().budgets(new BudgetTerms(90_000, 86_400), new BudgetTerms(1_000, 0)));

    Refusal refusal =
        assertRefused(pouch.chat(key, chat().maxTokens(1_000)), ErrorCode.BUDGET_EXCEEDED);

    assertThat(refusal.message()).startsWith("This key's budget (lifetime) cannot cover");
    assertThat(pouch.upstream.calls()).isEmpty();
    assertThat(budgets(key)).extracting(Budget::reservedMicros).containsExactly(0L, 0L);
  }

  @Test
  void aKeyWithOneBudgetKeepsTheRefusalItAlwaysHad() {
    CreatedKey key = pouch.create(aKey().budget(1_000));

    Refusal refusal =
        assertRefused(pouch.chat(key, chat().maxTokens(1_000)), ErrorCode.BUDGET_EXCEEDED);

    assertThat(refusal.message()).startsWith("This key's budget cannot cover");
  }

  @Test
  void eachBudgetStartsItsOwnNewPeriodAndKeepsTheOthersSpend() {
    CreatedKey key =
        pouch.create(
            aKey().budgets(new BudgetTerms(90_000, 3_600), new BudgetTerms(900_000, 86_400)));
    pouch.chat(key, chat().maxTokens(10));
    long first = pouch.store.onlyRecord().costMicros();

    pouch.clock.advance(Duration.ofMinutes(61));
    pouch.chat(key, chat().maxTokens(10));

    long second = pouch.store.records().get(1).costMicros();
    assertThat(budgets(key))
        .extracting(Budget::spentMicros)
        .containsExactly(second, first + second);
    assertThat(budgets(key).get(0).periodStartedAt()).isEqualTo(TestPouch.T0.plusSeconds(3_600));
    assertThat(budgets(key).get(1).periodStartedAt()).isEqualTo(TestPouch.T0);
  }
}
