package dev.pouch.application.teams;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.FakeUpstream.DEFAULT_PROMPT_ESTIMATE;
import static dev.pouch.application.fakes.FakeUpstream.INPUT_MICROS;
import static dev.pouch.application.fakes.FakeUpstream.OUTPUT_MICROS;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static dev.pouch.application.fakes.PouchAssertions.assertRefused;
import static dev.pouch.application.fakes.PouchAssertions.assertRejected;
import static dev.pouch.application.fakes.TestPouch.MARGIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.application.port.in.ManageTeams;
import dev.pouch.application.port.in.TeamDraft;
import dev.pouch.application.port.in.TeamView;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.Refusal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Teams: keys that share budgets, paid together with each key's own. */
class TeamServiceTest {
  @RegisterExtension final TestPouch pouch = new TestPouch();

  private ManageTeams teams() {
    return pouch.core.teams();
  }

  private TeamView research(long limit) {
    return teams().create(new TeamDraft("research", List.of(new BudgetTerms(limit, 2_592_000))));
  }

  @Test
  void aTeamsBudgetsAreOpenedWithItAndDroppedWithIt() {
    TeamView team = research(9_000);

    assertThat(team.team().id()).startsWith("team_");
    assertThat(team.budgets()).containsExactly(new Budget(9_000, 0, 0, TestPouch.T0, 2_592_000));
    assertThat(teams().list()).extracting(view -> view.team().name()).containsExactly("research");

    teams().delete(team.team().id());

    assertThat(pouch.store.budgets(team.team().id())).isEmpty();
    assertRejected(() -> teams().get(team.team().id()), ErrorCode.NOT_FOUND);
  }

  @Test
  void aKeysRequestIsChargedToTheKeyAndToItsTeamOnce() {
    TeamView team = research(900_000);
    CreatedKey key = pouch.create(aKey().budget(500_000).team(team.team().id()));

    pouch.chat(key, chat().maxTokens(10));

    long cost = pouch.store.onlyRecord().costMicros();
    assertThat(cost).isPositive();
    assertThat(pouch.budget(key).spentMicros()).isEqualTo(cost);
    assertThat(teams().get(team.team().id()).budgets().get(0).spentMicros()).isEqualTo(cost);
    assertThat(teams().get(team.team().id()).keyIds()).containsExactly(key.view().key().id());
  }

  @Test
  void withoutMaxTokensTheClampUsesTheTeamsHeadroomWhenItIsTheTightest() {
    TeamView team = research(4_000);
    CreatedKey key = pouch.create(aKey().budget(900_000).team(team.team().id()));

    pouch.chat(key, chat());

    long expected = (4_000 - DEFAULT_PROMPT_ESTIMATE * INPUT_MICROS) / OUTPUT_MICROS - MARGIN;
    assertThat(pouch.upstream.onlyCall().request().maxOutputTokens()).isEqualTo(expected);
  }

  @Test
  void aRefusalByTheTeamNamesItAndReservesNothingAnywhere() {
    TeamView team = research(1_000);
    CreatedKey key = pouch.create(aKey().budget(900_000).team(team.team().id()));

    Refusal refusal =
        assertRefused(pouch.chat(key, chat().maxTokens(1_000)), ErrorCode.BUDGET_EXCEEDED);

    assertThat(refusal.message()).startsWith("The team 'research' budget (monthly) cannot cover");
    assertThat(pouch.upstream.calls()).isEmpty();
    assertThat(pouch.budget(key).reservedMicros()).isZero();
    assertThat(pouch.store.reservations()).isEmpty();
  }

  @Test
  void loweringATeamsLimitBelowItsSpendRefusesTheNextRequest() {
    TeamView team = research(900_000);
    CreatedKey key = pouch.create(aKey().budget(900_000).team(team.team().id()));
    pouch.chat(key, chat().maxTokens(10));

    teams().update(team.team().id(), new TeamDraft(null, List.of(new BudgetTerms(1, 2_592_000))));

    Refusal refusal =
        assertRefused(pouch.chat(key, chat().maxTokens(10)), ErrorCode.BUDGET_EXCEEDED);
    assertThat(refusal.message()).startsWith("The team 'research' budget (monthly)");
    assertThat(teams().get(team.team().id()).team().name()).isEqualTo("research");
  }

  @Test
  void aTeamWithKeysIsNotDeletedAndAKeyNamesOnlyATeamThatExists() {
    TeamView team = research(900_000);
    pouch.create(aKey().team(team.team().id()));

    assertRejected(() -> teams().delete(team.team().id()), ErrorCode.CONFLICT);
    assertRejected(() -> pouch.create(aKey().team("team_none")), ErrorCode.INVALID_REQUEST);
    assertThat(teams().get(team.team().id()).budgets()).hasSize(1);
  }
}
