package dev.pouch.domain.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.plugin.PluginConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AppKeyTest {
  private static final Instant EXPIRY = Instant.parse("2025-06-01T00:00:00Z");
  private static final Duration DAY = Duration.ofDays(1);

  private static AppKey keyExpiringAt(Instant expiresAt) {
    KeyPolicy policy =
        new KeyPolicy(new PluginRef("mock", PluginConfig.EMPTY), List.of(), List.of());
    return new AppKey(
        "key_1",
        "test",
        "pa-abcdefg",
        "0".repeat(64),
        EXPIRY.minus(Duration.ofDays(90)),
        expiresAt,
        true,
        policy,
        1);
  }

  @Test
  void aKeyIsExpiredFromItsExpiryOn() {
    AppKey key = keyExpiringAt(EXPIRY);

    assertThat(key.isExpiredAt(EXPIRY.minusMillis(1))).isFalse();
    assertThat(key.isExpiredAt(EXPIRY)).isTrue();
    assertThat(keyExpiringAt(null).isExpiredAt(Instant.MAX)).isFalse();
  }

  @Test
  void aKeyRenewedLateStepsForwardByWholeRenewalsPastNow() {
    Instant now = EXPIRY.plus(Duration.ofHours(60)); // two and a half days late

    assertThat(keyExpiringAt(EXPIRY).renewedExpiry(now, DAY))
        .isEqualTo(EXPIRY.plus(DAY.multipliedBy(3)));
  }

  @Test
  void aKeyRenewedAtItsExpiryGetsOneMoreRenewal() {
    assertThat(keyExpiringAt(EXPIRY).renewedExpiry(EXPIRY, DAY)).isEqualTo(EXPIRY.plus(DAY));
  }

  @Test
  void aKeyRenewedExactlyWholeRenewalsLateStillEndsInTheFuture() {
    Instant now = EXPIRY.plus(DAY.multipliedBy(2));

    assertThat(keyExpiringAt(EXPIRY).renewedExpiry(now, DAY)).isEqualTo(now.plus(DAY));
  }

  @Test
  void aKeyThatHasNotExpiredKeepsItsExpiry() {
    assertThat(keyExpiringAt(EXPIRY).renewedExpiry(EXPIRY.minusSeconds(1), DAY)).isEqualTo(EXPIRY);
  }

  @Test
  void aRenewedExpiryIsAlwaysInTheFutureAndOnTheOriginalRhythm() {
    Random random = new Random(3L);
    AppKey key = keyExpiringAt(EXPIRY);
    for (int i = 0; i < 2_000; i++) {
      Duration renewal = Duration.ofSeconds(1 + random.nextInt(90 * 86_400));
      Instant now = EXPIRY.plusMillis(random.nextLong(400L * 86_400_000L));

      Instant renewed = key.renewedExpiry(now, renewal);

      long millisAfterExpiry = Duration.between(EXPIRY, renewed).toMillis();
      assertThat(renewed).as("renewal %s at %s", renewal, now).isAfter(now);
      assertThat(renewed.minus(renewal))
          .as("renewal %s at %s", renewal, now)
          .isBeforeOrEqualTo(now);
      assertThat(millisAfterExpiry % renewal.toMillis()).isZero();
    }
  }

  @Test
  void aRenewalOfAnyLengthFromAnyExpiryNeverOverflows() {
    Instant now = Instant.parse("2026-11-01T12:00:00Z");
    Duration millisecond = Duration.ofMillis(1);

    Instant fromTheDawnOfTime = keyExpiringAt(Instant.MIN).renewedExpiry(now, millisecond);

    assertThat(fromTheDawnOfTime).isAfter(now).isBeforeOrEqualTo(now.plus(millisecond));
    assertThat(keyExpiringAt(EXPIRY).renewedExpiry(now, Duration.ofSeconds(Long.MAX_VALUE)))
        .isEqualTo(AppKey.LATEST_EXPIRY);
    assertThat(keyExpiringAt(EXPIRY).renewedExpiry(now, Duration.ofDays(3_652_500)))
        .isEqualTo(AppKey.LATEST_EXPIRY);
  }

  @Test
  void aRenewalStopsAtTheLatestExpiry() {
    Instant lateInYear9999 = Instant.parse("9999-12-20T00:00:00Z");

    assertThat(
            keyExpiringAt(Instant.parse("9999-11-20T00:00:00Z"))
                .renewedExpiry(lateInYear9999, Duration.ofDays(30)))
        .isEqualTo(AppKey.LATEST_EXPIRY);
    assertThat(
            keyExpiringAt(Instant.parse("9999-11-01T00:00:00Z"))
                .renewedExpiry(lateInYear9999, Duration.ofDays(30)))
        .isEqualTo(Instant.parse("9999-12-31T00:00:00Z"));
  }

  @Test
  void settableExpiriesRunFrom1970ToTheEndOfYear9999() {
    assertThat(AppKey.isSettableExpiry(Instant.EPOCH)).isTrue();
    assertThat(AppKey.isSettableExpiry(Instant.parse("9999-12-31T23:59:59Z"))).isTrue();
    assertThat(AppKey.isSettableExpiry(Instant.EPOCH.minusNanos(1))).isFalse();
    assertThat(AppKey.isSettableExpiry(Instant.parse("9999-12-31T23:59:59.000000001Z"))).isFalse();
    assertThat(AppKey.isSettableExpiry(Instant.MAX)).isFalse();
    assertThat(AppKey.isSettableExpiry(Instant.MIN)).isFalse();
  }

  @Test
  void aKeyWithoutExpiryOrANonPositiveRenewalCannotRenew() {
    assertThatThrownBy(() -> keyExpiringAt(null).renewedExpiry(EXPIRY, DAY))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> keyExpiringAt(EXPIRY).renewedExpiry(EXPIRY, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> keyExpiringAt(EXPIRY).renewedExpiry(EXPIRY, DAY.negated()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everyChangeBumpsTheVersion() {
    AppKey key = keyExpiringAt(EXPIRY);

    AppKey renewed = key.withExpiry(EXPIRY.plus(DAY));
    AppKey edited = renewed.edited("renamed", null, false, key.policy());

    assertThat(renewed.version()).isEqualTo(key.version() + 1);
    assertThat(edited.version()).isEqualTo(renewed.version() + 1);
    assertThat(edited.secretHash()).isEqualTo(key.secretHash());
    assertThat(edited.prefix()).isEqualTo(key.prefix());
  }

  @Test
  void aKeyNeverPrintsItsHash() {
    AppKey key = keyExpiringAt(EXPIRY);

    assertThat(key.toString()).contains(key.id()).doesNotContain(key.secretHash());
  }

  @Test
  void keyNamesAreTrimmedAndChecked() {
    assertThat(KeyName.validate("  my key_1-a ")).isEqualTo("my key_1-a");
    assertThatThrownBy(() -> KeyName.validate("")).hasMessageContaining("name");
    assertThatThrownBy(() -> KeyName.validate("x".repeat(51))).hasMessageContaining("name");
    assertThatThrownBy(() -> KeyName.validate("semi;colon")).hasMessageContaining("name");
    assertThatThrownBy(() -> KeyName.validate(null)).hasMessageContaining("name");
  }
}
