package dev.pouch.domain.money;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import org.junit.jupiter.api.Test;

/** Anthropic's prompt-cache prices: each part of the prompt at its own rate. */
class CacheWritePriceTest {
  /** Claude Sonnet 4.5: $3 input, $0.30 cache read, $15 output, $3.75 5m write, $6 1h write. */
  private static final ModelPrice SONNET =
      new ModelPrice(3_000_000, 300_000, 15_000_000, 3_750_000, 6_000_000);

  @Test
  void eachPartOfThePromptIsPricedAtItsOwnRate() {
    // 1,000 plain + 2,000 read + 3,000 written for 5m + 4,000 written for 1h, 500 output
    long cost = SONNET.cost(10_000, 2_000, 3_000, 4_000, 500);

    long expected = 3_000 + 600 + 11_250 + 24_000 + 7_500; // micro-dollars
    assertThat(cost).isEqualTo(expected);
  }

  @Test
  void withoutWritesTheCostIsTheOldArithmetic() {
    assertThat(SONNET.cost(10_000, 2_000, 0, 0, 500)).isEqualTo(SONNET.cost(10_000, 2_000, 500));
    ModelPrice openAi = new ModelPrice(2_500_000, 1_250_000, 10_000_000);
    assertThat(openAi.cacheWrite1hPerMTok()).isEqualTo(openAi.inputPerMTok());
    assertThat(openAi.withDearestInput()).isSameAs(openAi);
  }

  @Test
  void theDearestInputPricesEveryPromptTokenAsAOneHourWrite() {
    ModelPrice dearest = SONNET.withDearestInput();

    assertThat(dearest.worstCase(10_000, 500)).isEqualTo(60_000 + 7_500);
    assertThat(dearest.worstCase(10_000, 500))
        .isGreaterThanOrEqualTo(SONNET.cost(10_000, 0, 0, 10_000, 500));
  }

  @Test
  void writesBeyondThePromptAreNeverPricedTwice() {
    assertThat(SONNET.cost(100, 60, 60, 60, 0)).isEqualTo(18 + 150);
  }

  @Test
  void usageSumsItsWritesAndKeepsTheOldConstructor() {
    Usage usage = new Usage(10, 1, 5, UsageSource.REPORTED, 2, 3);
    assertThat(usage.cacheWriteTokens()).isEqualTo(5);
    assertThat(new Usage(10, 1, 5, UsageSource.REPORTED).cacheWriteTokens()).isZero();
  }
}
