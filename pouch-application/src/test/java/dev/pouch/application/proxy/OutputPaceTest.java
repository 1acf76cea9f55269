package dev.pouch.application.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.budget.Produced;
import org.junit.jupiter.api.Test;

/** The bound of what a cancelled stream produced; expected values are the documented formula. */
class OutputPaceTest {
  private static final long MS = 1_000_000;

  @Test
  void withoutTwoOutputsApartInTimeThereIsNoBound() {
    OutputPace pace = new OutputPace(200 * MS, 16);
    assertThat(pace.cancelledAt(0, 10 * MS).bounded()).isFalse();

    pace.arrived(1, 5 * MS);
    pace.arrived(1, 9 * MS); // no new output
    assertThat(pace.cancelledAt(1, 10 * MS).bounded()).isFalse();
  }

  @Test
  void theMarginIsTwiceThePaceOverTheTimeSinceTheLastOutputTheResponseTimeAndOneSecond() {
    OutputPace pace = new OutputPace(200 * MS, 16);
    pace.arrived(1, 0);
    pace.arrived(11, 100 * MS); // 10 tokens in 100 ms: 100 tokens a second

    Produced produced = pace.cancelledAt(12, 150 * MS);

    // window 50 ms + 200 ms + 1 s = 1.25 s; 2 × 100/s × 1.25 s = 250; plus the floor of 16
    assertThat(produced.atLeast()).isEqualTo(12);
    assertThat(produced.atMost()).isEqualTo(12 + 16 + 250);
  }

  @Test
  void anAbsurdPaceSaturatesInsteadOfOverflowing() {
    OutputPace pace = new OutputPace(Long.MAX_VALUE, Long.MAX_VALUE);
    pace.arrived(1, 0);
    pace.arrived(Long.MAX_VALUE, 1);

    assertThat(pace.cancelledAt(Long.MAX_VALUE, Long.MAX_VALUE).atMost()).isEqualTo(Long.MAX_VALUE);
  }
}
