package dev.pouch.domain.money;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ModelPriceTest {
  /** One micro-dollar per token, written as a price per million tokens. */
  private static final long ONE_MICRO_PER_TOKEN = Micros.TOKENS_PER_PRICE_UNIT;

  @Test
  void oneTokenAtOneMicroPerMillionTokensCostsOneWholeMicro() {
    ModelPrice price = ModelPrice.of(1, 1);

    assertThat(price.worstCase(1, 0)).isEqualTo(1);
    assertThat(price.worstCase(0, 1)).isEqualTo(1);
    assertThat(price.cost(1, 0, 0)).isEqualTo(1);
    assertThat(price.cost(0, 0, 1)).isEqualTo(1);
  }

  @Test
  void nothingCostsNothing() {
    assertThat(ModelPrice.of(5, 7).worstCase(0, 0)).isZero();
    assertThat(ModelPrice.of(5, 7).cost(0, 0, 0)).isZero();
    assertThat(ModelPrice.FREE.worstCase(1_000_000, 1_000_000)).isZero();
  }

  @Test
  void aRequestIsRoundedUpOnceNotOncePerTerm() {
    // Half a million tokens at 1 micro per million tokens is half a micro-dollar, twice: 1 micro.
    ModelPrice price = ModelPrice.of(1, 1);

    assertThat(price.worstCase(500_000, 500_000)).isEqualTo(1);
    assertThat(price.cost(500_000, 0, 500_000)).isEqualTo(1);
    assertThat(price.cost(500_001, 0, 500_000)).isEqualTo(2);
  }

  @Test
  void wholeMicroAmountsAreNotRoundedAtAll() {
    // $2.50 and $10 per million tokens: 2.5 and 10 micros per token.
    ModelPrice price = ModelPrice.of(Micros.fromUsd(new BigDecimal("2.50")), 10_000_000);

    assertThat(price.worstCase(1_000, 500)).isEqualTo(1_000 * 5 / 2 + 500 * 10);
    assertThat(price.cost(1_000, 0, 500)).isEqualTo(1_000 * 5 / 2 + 500 * 10);
  }

  @Test
  void cachedPromptTokensCostTheCachedPrice() {
    ModelPrice price =
        new ModelPrice(2 * ONE_MICRO_PER_TOKEN, ONE_MICRO_PER_TOKEN / 2, 8 * ONE_MICRO_PER_TOKEN);

    long expected = (1_000 - 400) * 2 + 400 / 2 + 100 * 8;
    assertThat(price.cost(1_000, 400, 100)).isEqualTo(expected);
  }

  @Test
  void moreCachedTokensThanPromptTokensAreCappedAtThePrompt() {
    ModelPrice price = new ModelPrice(2 * ONE_MICRO_PER_TOKEN, ONE_MICRO_PER_TOKEN, 0);

    assertThat(price.cost(100, 500, 0)).isEqualTo(100);
  }

  @Test
  void theWorstCaseIgnoresThePromptCacheDiscount() {
    ModelPrice price = new ModelPrice(2 * ONE_MICRO_PER_TOKEN, 0, 0);

    assertThat(price.worstCase(100, 0)).isEqualTo(200);
    assertThat(price.cost(100, 100, 0)).isZero();
  }

  @Test
  void aPriceWithoutCachedRateChargesCachedTokensInFull() {
    ModelPrice price = ModelPrice.of(3 * ONE_MICRO_PER_TOKEN, 0);

    assertThat(price.cachedInputPerMTok()).isEqualTo(price.inputPerMTok());
    assertThat(price.cost(10, 10, 0)).isEqualTo(30);
  }

  @Test
  void negativePricesAndTokenCountsAreRefused() {
    assertThatThrownBy(() -> new ModelPrice(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ModelPrice(0, -1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ModelPrice(0, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ModelPrice.of(1, 1).worstCase(-1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ModelPrice.of(1, 1).cost(0, 0, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void costsThatDoNotFitInALongAreBeyondAnyBudgetRatherThanWrappedOrTruncated() {
    ModelPrice price = ModelPrice.of(2, 2);

    assertThat(price.worstCase(Long.MAX_VALUE / 2 + 1, 0)).isEqualTo(Long.MAX_VALUE);
    assertThat(price.worstCase(Long.MAX_VALUE / 4 + 1, Long.MAX_VALUE / 4 + 1))
        .isEqualTo(Long.MAX_VALUE);
    assertThat(price.cost(0, 0, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    // a cost that fits stays exact: 2^61 tokens at 2 micro-dollars per million tokens
    assertThat(price.cost(0, 0, 1L << 61)).isEqualTo(((1L << 61) * 2 + 999_999) / 1_000_000);
  }

  @Test
  void affordableOutputIsZeroWhenThePromptAloneDoesNotFit() {
    ModelPrice price = ModelPrice.of(ONE_MICRO_PER_TOKEN, ONE_MICRO_PER_TOKEN);

    assertThat(price.affordableOutputTokens(101, 100)).isZero();
  }

  @Test
  void affordableOutputIsUnboundedWhenOutputIsFree() {
    ModelPrice price = ModelPrice.of(ONE_MICRO_PER_TOKEN, 0);

    assertThat(price.affordableOutputTokens(100, 100)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void affordableOutputOfAHugeBudgetStaysWithinTheBudgetInsteadOfOverflowing() {
    ModelPrice price = ModelPrice.of(ONE_MICRO_PER_TOKEN, ONE_MICRO_PER_TOKEN);

    long affordable = price.affordableOutputTokens(1_000, Long.MAX_VALUE);

    // As many tokens as fit in a long of scaled micros, less the prompt's share.
    assertThat(affordable).isGreaterThan(Long.MAX_VALUE / ONE_MICRO_PER_TOKEN - 1_001);
    assertThat(price.worstCase(1_000, affordable)).isLessThan(Long.MAX_VALUE);
  }

  /** worstCase(p, a) fits the budget and worstCase(p, a + 1) does not: a is the exact maximum. */
  @Test
  void affordableOutputIsTheExactMaximumThatFitsTheBudget() {
    Random random = new Random(20240611L);
    for (int i = 0; i < 5_000; i++) {
      ModelPrice price = ModelPrice.of(randomPrice(random), 1 + random.nextInt(60_000_000));
      long prompt = random.nextInt(200_000);
      long budget = random.nextInt(5_000_000);
      String scenario = price + " prompt=" + prompt + " budget=" + budget;

      long affordable = price.affordableOutputTokens(prompt, budget);

      if (price.worstCase(prompt, 0) > budget) {
        assertThat(affordable).as(scenario).isZero();
      } else {
        assertThat(price.worstCase(prompt, affordable)).as(scenario).isLessThanOrEqualTo(budget);
        assertThat(price.worstCase(prompt, affordable + 1)).as(scenario).isGreaterThan(budget);
      }
    }
  }

  private static long randomPrice(Random random) {
    // Some free inputs, some sub-micro prices per token, some expensive ones.
    return switch (random.nextInt(3)) {
      case 0 -> 0;
      case 1 -> random.nextInt(1_000);
      default -> random.nextInt(60_000_000);
    };
  }
}
