package dev.pouch.application.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.fakes.InMemoryStore;
import dev.pouch.application.port.in.DriftThreshold;
import dev.pouch.application.port.in.Reconciliation;
import dev.pouch.application.port.in.Reconciliation.Availability;
import dev.pouch.application.port.in.Reconciliation.DayRow;
import dev.pouch.application.port.in.Reconciliation.Drift;
import dev.pouch.application.port.in.Reconciliation.ModelRow;
import dev.pouch.application.port.in.Reconciliation.ProviderSection;
import dev.pouch.domain.bill.BillReport;
import dev.pouch.domain.bill.BilledLine;
import dev.pouch.domain.bill.ProviderBill;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.plugin.PluginConfig;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BillReconcilerTest {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 2);

  private final InMemoryStore store = new InMemoryStore();
  private final List<BilledLine> openAiLines = new ArrayList<>();
  private BillReport openAiReport;

  /** A bill that answers what the test set, and covers keys without a "elsewhere" config. */
  private final ProviderBill openAi =
      new ProviderBill() {
        @Override
        public String providerId() {
          return "openai";
        }

        @Override
        public boolean covers(PluginConfig config) {
          return config.string("base_url", null) == null;
        }

        @Override
        public BillReport fetch(LocalDate from, LocalDate to) {
          return openAiReport != null ? openAiReport : new BillReport.Billed(openAiLines);
        }
      };

  private final ProviderBill anthropic =
      new ProviderBill() {
        @Override
        public String providerId() {
          return "anthropic";
        }

        @Override
        public BillReport fetch(LocalDate from, LocalDate to) {
          return new BillReport.Unavailable("no admin key");
        }
      };

  private final BillReconciler reconciler =
      new BillReconciler(List.of(openAi, anthropic), store, store, DriftThreshold.DEFAULT);

  private void key(String id, String provider, Map<String, Object> config) {
    KeyPolicy policy =
        new KeyPolicy(new PluginRef(provider, PluginConfig.restore(config)), List.of(), List.of());
    store.insert(
        new AppKey(id, id, "pa-" + id, "hash-" + id, Instant.EPOCH, null, false, policy, 1));
  }

  private void logged(String id, String keyId, String model, LocalDate day, long micros) {
    store.append(
        new RequestRecord(
            id,
            keyId,
            model,
            day.atTime(12, 0).toInstant(ZoneOffset.UTC),
            200,
            false,
            100,
            0,
            10,
            micros,
            micros,
            SettlementBasis.USAGE_REPORTED,
            0,
            5,
            null));
  }

  private static ModelRow model(DayRow day, String name) {
    return day.models().stream().filter(m -> name.equals(m.model())).findFirst().orElseThrow();
  }

  @Test
  void aBillEqualToTheLedgerShowsNoDriftAndEveryDayOfTheRange() {
    key("k1", "openai", Map.of());
    logged("r1", "k1", "gpt-4o-mini", DAY, 1_000_000);
    logged("r2", "k1", "gpt-4o-mini", DAY, 500_000);
    openAiLines.add(new BilledLine(DAY, "gpt-4o-mini", 1_500_000, 0, 0));
    openAiLines.add(new BilledLine(DAY, "gpt-4o-mini", 0, 200, 20));

    Reconciliation result = reconciler.reconcile(DAY, DAY.plusDays(1), "openai");

    ProviderSection openai = result.providers().get(0);
    assertThat(result.providers()).hasSize(1);
    assertThat(openai.availability()).isEqualTo(Availability.AVAILABLE);
    assertThat(openai.days()).extracting(DayRow::day).containsExactly(DAY, DAY.plusDays(1));
    DayRow first = openai.days().get(0);
    assertThat(first.total()).isEqualTo(new Drift(1_500_000, 1_500_000, false));
    assertThat(model(first, "gpt-4o-mini"))
        .isEqualTo(new ModelRow("gpt-4o-mini", first.total(), 2, 200, 20, 200, 20));
    assertThat(openai.days().get(1).total()).isEqualTo(new Drift(0, 0, false));
    assertThat(openai.flagged()).isFalse();
  }

  @Test
  void aProviderThatBillsMoreThanThePercentAndTheFloorIsFlagged() {
    key("k1", "openai", Map.of());
    logged("r1", "k1", "gpt-4.1", DAY, 1_000_000);
    openAiLines.add(new BilledLine(DAY, "gpt-4.1", 1_030_000, 0, 0)); // 3 % > 2 %

    DayRow day = reconciler.reconcile(DAY, DAY, null).providers().get(0).days().get(0);

    assertThat(day.total().flagged()).isTrue();
    assertThat(day.total().differenceMicros()).isEqualTo(30_000);
    assertThat(day.total().ratio()).isEqualByComparingTo(new BigDecimal("0.03"));
  }

  @Test
  void aDriftUnderTheFloorIsNotFlaggedHoweverLargeItsRatio() {
    key("k1", "openai", Map.of());
    logged("r1", "k1", "gpt-4.1", DAY, 3);
    openAiLines.add(new BilledLine(DAY, "gpt-4.1", 2, 0, 0)); // Pouch rounds each request up

    DayRow day = reconciler.reconcile(DAY, DAY, null).providers().get(0).days().get(0);

    assertThat(day.total().flagged()).isFalse();
    assertThat(day.total().differenceMicros()).isEqualTo(-1);
  }

  @Test
  void aDatedSnapshotTheProviderBillsJoinsTheAliasTheLedgerLogged() {
    key("k1", "openai", Map.of());
    logged("r1", "k1", "gpt-4o-mini", DAY, 2_000_000);
    openAiLines.add(new BilledLine(DAY, "gpt-4o-mini-2024-07-18", 2_000_000, 0, 0));

    DayRow day = reconciler.reconcile(DAY, DAY, null).providers().get(0).days().get(0);

    assertThat(day.models()).extracting(ModelRow::model).containsExactly("gpt-4o-mini");
    assertThat(day.models().get(0).cost()).isEqualTo(new Drift(2_000_000, 2_000_000, false));
  }

  @Test
  void onlyLiveKeysTheBillCoversCountAndDeletedKeysAreUnattributed() {
    key("k1", "openai", Map.of());
    key("groq", "openai", Map.of("base_url", "https://api.groq.com/openai/v1"));
    key("claude", "anthropic", Map.of());
    key("gone", "openai", Map.of());
    logged("r1", "k1", "gpt-4.1", DAY, 100_000);
    logged("r2", "groq", "llama", DAY, 900_000);
    logged("r3", "claude", "claude-sonnet-4", DAY, 700_000);
    logged("r4", "gone", "gpt-4.1", DAY, 40_000);
    store.delete("gone");
    openAiLines.add(new BilledLine(DAY, "gpt-4.1", 100_000, 0, 0));

    Reconciliation result = reconciler.reconcile(DAY, DAY, null);

    assertThat(result.providers().get(0).days().get(0).total())
        .isEqualTo(new Drift(100_000, 100_000, false));
    assertThat(result.unattributedMicros()).isEqualTo(40_000);
  }

  @Test
  void anUnavailableOrFailedBillIsItsProvidersSectionNotAnError() {
    openAiReport = new BillReport.Failed(503, "organization/costs answered 503");

    Reconciliation result = reconciler.reconcile(DAY, DAY, null);

    assertThat(result.providers())
        .extracting(
            ProviderSection::provider,
            ProviderSection::availability,
            ProviderSection::upstreamStatus)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("openai", Availability.FAILED, 503),
            org.assertj.core.groups.Tuple.tuple("anthropic", Availability.UNAVAILABLE, 0));
    assertThat(result.providers().get(1).reason()).isEqualTo("no admin key");
  }

  @Test
  void aBillThatThrowsDespiteItsContractFailsOnlyItsOwnSection() {
    ProviderBill broken =
        new ProviderBill() {
          @Override
          public String providerId() {
            return "openai";
          }

          @Override
          public BillReport fetch(LocalDate from, LocalDate to) {
            throw new IllegalStateException("bug");
          }
        };
    BillReconciler withBroken =
        new BillReconciler(List.of(broken, anthropic), store, store, DriftThreshold.DEFAULT);

    Reconciliation result = withBroken.reconcile(DAY, DAY, null);

    assertThat(result.providers())
        .extracting(ProviderSection::availability)
        .containsExactly(Availability.FAILED, Availability.UNAVAILABLE);
    assertThat(result.providers().get(0).reason()).contains("IllegalStateException");
  }

  @Test
  void aProviderCostAttributedToNoModelCountsInTheDayTotal() {
    openAiLines.add(new BilledLine(DAY, null, 250_000, 0, 0));

    DayRow day = reconciler.reconcile(DAY, DAY, "openai").providers().get(0).days().get(0);

    assertThat(day.total()).isEqualTo(new Drift(0, 250_000, true));
    assertThat(day.models()).extracting(ModelRow::model).containsExactly((String) null);
    assertThat(day.total().ratio()).isNull();
  }

  @Test
  void refusesABackwardsOrTooLongRangeAndAnUnknownProvider() {
    assertThatThrownBy(() -> reconciler.reconcile(DAY, DAY.minusDays(1), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("before");
    assertThatThrownBy(() -> reconciler.reconcile(DAY, DAY.plusDays(31), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("31 days");
    assertThat(reconciler.reconcile(DAY, DAY.plusDays(30), null).providers().get(0).days())
        .hasSize(31);
    assertThatThrownBy(() -> reconciler.reconcile(DAY, DAY, "mock"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mock");
  }

  @Test
  void theThresholdComparesExactlyWithoutDividing() {
    DriftThreshold threshold = new DriftThreshold(new BigDecimal("2.5"), 0);

    assertThat(threshold.exceeded(1_000_000, 1_025_000)).isFalse();
    assertThat(threshold.exceeded(1_000_000, 1_025_001)).isTrue();
    assertThat(threshold.exceeded(1_000_000, 974_999)).isTrue();
    assertThat(threshold.exceeded(0, 1)).isTrue();
    assertThat(threshold.exceeded(0, 0)).isFalse();
  }
}
