package dev.pouch.adapters.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.adapters.mock.upstream.FakeAnthropicUpstream;
import dev.pouch.adapters.mock.upstream.FakeBill;
import dev.pouch.domain.bill.BillReport;
import dev.pouch.domain.bill.BilledLine;
import dev.pouch.domain.plugin.PluginConfig;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AnthropicBillTest {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 2);

  private FakeAnthropicUpstream upstream;
  private AnthropicProviderFactory factory;

  @BeforeEach
  void start() {
    upstream = FakeAnthropicUpstream.start();
    factory = new AnthropicProviderFactory();
  }

  @AfterEach
  void stop() {
    factory.close();
    upstream.close();
  }

  @Test
  void withoutAnAdminKeyTheBillIsUnavailableNotFailed() {
    BillReport report = factory.bill(null, upstream.baseUrl()).fetch(DAY, DAY);

    assertThat(((BillReport.Unavailable) report).reason()).contains("POUCH_ANTHROPIC_ADMIN_KEY");
  }

  @Test
  void followsEveryPageOfBothReportsAndConvertsCentsToMicrosExactly() {
    upstream.bill().pageSize(1);
    // 7 micro-dollars = 0.0007 cents; 12,345,678.9012 cents = $123,456.789012
    upstream.bill().add(new FakeBill.Line(DAY, "claude-sonnet-4", 100, 40, 60, 20, 7, 0));
    upstream
        .bill()
        .add(
            new FakeBill.Line(DAY.plusDays(1), "claude-sonnet-4", 1, 0, 0, 2, 0, 123_456_789_012L));
    upstream.bill().add(new FakeBill.Line(DAY.plusDays(2), "claude-haiku-4", 5, 0, 0, 5, 9, 1));

    BillReport report =
        factory.bill("sk-ant-admin-x", upstream.baseUrl()).fetch(DAY, DAY.plusDays(2));

    List<BilledLine> lines = ((BillReport.Billed) report).lines();
    Map<LocalDate, Long> costByDay = new LinkedHashMap<>();
    for (BilledLine l : lines) {
      costByDay.merge(l.day(), l.costMicros(), Long::sum);
    }
    assertThat(costByDay)
        .containsExactly(
            Map.entry(DAY, 7L),
            Map.entry(DAY.plusDays(1), 123_456_789_012L),
            Map.entry(DAY.plusDays(2), 10L));
    assertThat(lines)
        .filteredOn(l -> l.day().equals(DAY) && l.inputTokens() > 0)
        .containsExactly(new BilledLine(DAY, "claude-sonnet-4", 0, 200, 20));
  }

  @Test
  void anErrorOfTheCostReportIsAFailureWithItsStatus() {
    upstream.bill().failWith(529);

    BillReport report = factory.bill("sk-ant-admin-x", upstream.baseUrl()).fetch(DAY, DAY);

    assertThat(((BillReport.Failed) report).status()).isEqualTo(529);
    assertThat(((BillReport.Failed) report).detail())
        .contains("cost_report")
        .doesNotContain("sk-ant-admin");
  }

  @Test
  void centAmountsRoundHalfUpToTheMicroDollar() throws Exception {
    assertThat(AnthropicBill.centsToMicros(new BigDecimal("0.00005"))).isEqualTo(1);
    assertThat(AnthropicBill.centsToMicros(new BigDecimal("0.000049"))).isZero();
    assertThat(AnthropicBill.centsToMicros(new BigDecimal("123.45"))).isEqualTo(1_234_500);
  }

  @Test
  void coversOnlyKeysWhoseRequestsGoToTheBilledApi() {
    AnthropicBill bill = factory.bill("sk-ant-admin-x", upstream.baseUrl());

    assertThat(bill.covers(config(upstream.baseUrl()))).isTrue();
    assertThat(bill.covers(config("https://proxy.internal"))).isFalse();
  }

  private PluginConfig config(String baseUrl) {
    return factory.info().schema().validate(Map.of("api_key", "sk-ant-x", "base_url", baseUrl));
  }
}
