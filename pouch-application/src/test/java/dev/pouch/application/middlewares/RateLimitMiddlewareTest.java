package dev.pouch.application.middlewares;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimitMiddlewareTest {

  @Test
  void resetDurationsAreWrittenTheWayOpenAiWritesThem() {
    assertThat(RateLimitMiddleware.duration(20)).isEqualTo("20ms");
    assertThat(RateLimitMiddleware.duration(1000)).isEqualTo("1s");
    assertThat(RateLimitMiddleware.duration(1500)).isEqualTo("1.5s");
    assertThat(RateLimitMiddleware.duration(60_000)).isEqualTo("1m0s");
    assertThat(RateLimitMiddleware.duration(360_000)).isEqualTo("6m0s");
    assertThat(RateLimitMiddleware.duration(3_723_000)).isEqualTo("1h2m3s");
  }
}
