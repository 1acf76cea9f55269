package dev.pouch.domain.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.money.PriceTier;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelInfoTest {
  private static final ModelPrice CHEAP = new ModelPrice(100, 50, 400, 125, 200);
  private static final ModelPrice DEAR_OUTPUT = new ModelPrice(80, 80, 900, 80, 80);

  @Test
  void pricedAtLeastAsAnotherTakesTheDearerOfEveryPartAndKeepsItsOwnLimits() {
    ModelInfo own = new ModelInfo("m", CHEAP, List.of(), 1000, 100, "table-1");
    ModelInfo other = new ModelInfo("n", DEAR_OUTPUT, List.of(), 5000, 900, "table-2");

    ModelInfo dearest = own.pricedAtLeastAs(other);

    assertThat(dearest.price()).isEqualTo(new ModelPrice(100, 80, 900, 125, 200));
    assertThat(dearest.id()).isEqualTo("m");
    assertThat(dearest.contextWindow()).isEqualTo(1000);
    assertThat(dearest.maxOutputTokens()).isEqualTo(100);
    assertThat(dearest.pricedAs()).isEqualTo("table-1");
  }

  @Test
  void longContextTiersOfEitherPriceEveryPromptLengthAtTheDearerOfTheTwo() {
    ModelPrice cheapLong = new ModelPrice(300, 150, 1200);
    ModelPrice dearLong = new ModelPrice(1000, 1000, 1000);
    ModelInfo own =
        new ModelInfo("m", CHEAP, List.of(new PriceTier(200, cheapLong)), 10_000, 100, null);
    ModelInfo other =
        new ModelInfo("n", DEAR_OUTPUT, List.of(new PriceTier(500, dearLong)), 10_000, 100, null);

    ModelInfo dearest = own.pricedAtLeastAs(other);

    for (long prompt : new long[] {0, 1, 199, 200, 201, 499, 500, 501, 9_999}) {
      ModelPrice a = own.priceFor(prompt);
      ModelPrice b = other.priceFor(prompt);
      assertThat(dearest.priceFor(prompt))
          .as("a prompt of %d tokens", prompt)
          .isEqualTo(a.dearestWith(b));
    }
  }

  @Test
  void anUnknownPriceOnEitherSideLeavesTheModelAsItIs() {
    ModelInfo own = new ModelInfo("m", CHEAP, 1000, 100);
    ModelInfo unpriced = new ModelInfo("n", null, 1000, 100);

    assertThat(own.pricedAtLeastAs(unpriced)).isSameAs(own);
    assertThat(unpriced.pricedAtLeastAs(own)).isSameAs(unpriced);
  }
}
