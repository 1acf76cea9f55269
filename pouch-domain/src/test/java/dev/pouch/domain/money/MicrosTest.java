package dev.pouch.domain.money;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class MicrosTest {

  @Test
  void wholeAndDecimalDollarsConvertExactly() {
    assertThat(Micros.fromUsd(new BigDecimal("1"))).isEqualTo(Micros.PER_USD);
    assertThat(Micros.fromUsd(new BigDecimal("2.50"))).isEqualTo(2 * Micros.PER_USD + 500_000);
    assertThat(Micros.fromUsd(new BigDecimal("0.000001"))).isEqualTo(1);
    assertThat(Micros.fromUsd(BigDecimal.ZERO)).isZero();
  }

  @Test
  void fractionsOfAMicroDollarRoundUpSoAPriceIsNeverCheaperThanWritten() {
    assertThat(Micros.fromUsd(new BigDecimal("0.0000001"))).isEqualTo(1);
    assertThat(Micros.fromUsd(new BigDecimal("0.0000010001"))).isEqualTo(2);
    assertThat(Micros.fromUsd(new BigDecimal("0.15000000001"))).isEqualTo(150_001);
  }

  @Test
  void negativeDollarAmountsAreRefused() {
    assertThatThrownBy(() -> Micros.fromUsd(new BigDecimal("-0.01")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative");
    assertThatThrownBy(() -> Micros.fromUsd(new BigDecimal("-0.0000001")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void amountsBeyondALongAreRefusedRatherThanTruncated() {
    assertThatThrownBy(() -> Micros.fromUsd(new BigDecimal("1e20")))
        .isInstanceOf(ArithmeticException.class);
  }

  @Test
  void microsFormatAsDollarsWithSixDecimals() {
    assertThat(Micros.toUsdString(1)).isEqualTo("0.000001");
    assertThat(Micros.toUsdString(2_500_000)).isEqualTo("2.500000");
  }

  @Test
  void additionFailsOnOverflowInsteadOfWrapping() {
    assertThatThrownBy(() -> Micros.add(Long.MAX_VALUE, 1)).isInstanceOf(ArithmeticException.class);
  }

  @Test
  void roundUpRoundsOnlyRealFractions() {
    assertThat(Micros.roundUp(0)).isZero();
    assertThat(Micros.roundUp(Micros.TOKENS_PER_PRICE_UNIT)).isEqualTo(1);
    assertThat(Micros.roundUp(Micros.TOKENS_PER_PRICE_UNIT + 1)).isEqualTo(2);
  }
}
