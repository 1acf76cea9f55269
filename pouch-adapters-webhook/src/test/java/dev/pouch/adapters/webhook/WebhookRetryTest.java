package dev.pouch.adapters.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WebhookRetryTest {
  private final WebhookRetry retry = WebhookRetry.DEFAULT;

  @Test
  void theWaitDoublesFromOneAttemptToTheNext() {
    assertThat(retry.backoffBefore(2, 0.5)).isEqualTo(Duration.ofSeconds(4));
    assertThat(retry.backoffBefore(3, 0.5)).isEqualTo(Duration.ofSeconds(8));
    assertThat(retry.backoffBefore(5, 0.5)).isEqualTo(Duration.ofSeconds(32));
  }

  @Test
  void jitterShiftsAWaitByAtMostAQuarter() {
    assertThat(retry.backoffBefore(2, 0.0)).isEqualTo(Duration.ofSeconds(3));
    assertThat(retry.backoffBefore(2, 0.999))
        .isBetween(Duration.ofSeconds(4), Duration.ofSeconds(5));
  }

  @Test
  void theDefaultRetriesFiveTimesOverAboutAMinute() {
    Duration total = Duration.ZERO;
    for (int attempt = 2; attempt <= retry.maxAttempts(); attempt++) {
      total = total.plus(retry.backoffBefore(attempt, 0.5));
    }

    assertThat(retry.maxAttempts()).isEqualTo(5);
    assertThat(total).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void theFirstAttemptHasNoWait() {
    assertThatThrownBy(() -> retry.backoffBefore(1, 0.5))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
