package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.adapters.mock.upstream.FakeBill;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.domain.bill.BillReport;
import dev.pouch.domain.bill.BilledLine;
import dev.pouch.domain.plugin.PluginConfig;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenAiBillTest {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 2);

  private FakeOpenAiUpstream upstream;
  private OpenAiProviderFactory factory;

  @BeforeEach
  void start() {
    upstream = FakeOpenAiUpstream.start();
    factory =
        new OpenAiProviderFactory(
            new OpenAiSettings("sk-test", upstream.baseUrl(), null), Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    factory.close();
    upstream.close();
  }

  private static FakeBill.Line line(LocalDate day, String model, long in, long out, long micros) {
    return new FakeBill.Line(day, model, in, 0, 0, out, micros, 0);
  }

  @Test
  void withoutAnAdminKeyTheBillIsUnavailableNotFailed() {
    BillReport report = factory.bill(null, upstream.baseUrl()).fetch(DAY, DAY);

    assertThat(report).isInstanceOf(BillReport.Unavailable.class);
    assertThat(((BillReport.Unavailable) report).reason()).contains("POUCH_OPENAI_ADMIN_KEY");
  }

  @Test
  void followsEveryPageOfBothReportsAndConvertsDollarsToMicrosExactly() {
    upstream.bill().pageSize(1);
    upstream.bill().add(line(DAY, "gpt-4o-mini", 1000, 20, 1));
    upstream.bill().add(line(DAY.plusDays(1), "gpt-4o-mini", 7, 3, 123_456_789_012L));
    upstream.bill().add(line(DAY.plusDays(2), "gpt-4.1", 5, 5, 999_999));
    upstream.bill().add(line(DAY.plusDays(3), "gpt-4.1", 5, 5, 42)); // after the range

    BillReport report = factory.bill("sk-admin-x", upstream.baseUrl()).fetch(DAY, DAY.plusDays(2));

    List<BilledLine> lines = ((BillReport.Billed) report).lines();
    Map<LocalDate, Long> costByDay = new LinkedHashMap<>();
    Map<String, Long> inputByModel = new LinkedHashMap<>();
    for (BilledLine l : lines) {
      costByDay.merge(l.day(), l.costMicros(), Long::sum);
      if (l.inputTokens() > 0) {
        inputByModel.merge(l.model(), l.inputTokens(), Long::sum);
      }
    }
    assertThat(costByDay)
        .containsExactly(
            Map.entry(DAY, 1L),
            Map.entry(DAY.plusDays(1), 123_456_789_012L),
            Map.entry(DAY.plusDays(2), 999_999L));
    assertThat(inputByModel)
        .containsExactly(Map.entry("gpt-4o-mini", 1007L), Map.entry("gpt-4.1", 5L));
    assertThat(lines)
        .filteredOn(l -> l.costMicros() > 0)
        .extracting(BilledLine::model)
        .containsOnly("gpt-4o-mini", "gpt-4.1");
  }

  @Test
  void anErrorOfTheCostsApiIsAFailureWithItsStatus() {
    upstream.bill().failWith(503);

    BillReport report = factory.bill("sk-admin-x", upstream.baseUrl()).fetch(DAY, DAY);

    assertThat(report).isInstanceOf(BillReport.Failed.class);
    assertThat(((BillReport.Failed) report).status()).isEqualTo(503);
    assertThat(((BillReport.Failed) report).detail())
        .contains("organization/costs")
        .doesNotContain("sk-admin");
  }

  @Test
  void dollarAmountsRoundHalfUpToTheMicroDollar() throws Exception {
    assertThat(OpenAiBill.toMicros(new BigDecimal("0.0000005"))).isEqualTo(1);
    assertThat(OpenAiBill.toMicros(new BigDecimal("0.00000049"))).isZero();
    assertThat(OpenAiBill.toMicros(new BigDecimal("12345.678901"))).isEqualTo(12_345_678_901L);
  }

  @Test
  void coversOnlyKeysWhoseRequestsGoToTheBilledApi() {
    OpenAiBill bill = factory.bill("sk-admin-x", upstream.baseUrl());

    assertThat(bill.covers(config())).isTrue();
    assertThat(bill.covers(config("base_url", upstream.baseUrl() + "/"))).isTrue();
    assertThat(bill.covers(config("preset", "groq", "api_key", "gsk"))).isFalse();
    assertThat(bill.covers(config("base_url", "http://elsewhere.internal/v1"))).isFalse();
  }

  private PluginConfig config(Object... pairs) {
    Map<String, Object> raw = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      raw.put((String) pairs[i], pairs[i + 1]);
    }
    return factory.info().schema().validate(raw);
  }
}
