package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.server.security.AesGcmSecretSealer;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class AesGcmSecretSealerTest {
  private static final String SECRET = "sk-proj-very-secret";

  private static AesGcmSecretSealer sealer(int seed) {
    byte[] key = new byte[32];
    key[0] = (byte) seed;
    return new AesGcmSecretSealer(key, new SecureRandom());
  }

  @Test
  void sealedValuesCarryTheKeyIdAFreshNonceAndOpenToThePlaintext() {
    AesGcmSecretSealer sealer = sealer(1);
    String a = sealer.seal(SECRET);
    String b = sealer.seal(SECRET);

    assertThat(a).startsWith("enc:v1:" + sealer.keyId() + ":").doesNotContain(SECRET);
    assertThat(a).isNotEqualTo(b);
    byte[] nonceA = Base64.getDecoder().decode(a.substring(a.lastIndexOf(':') + 1));
    byte[] nonceB = Base64.getDecoder().decode(b.substring(b.lastIndexOf(':') + 1));
    assertThat(java.util.Arrays.copyOf(nonceA, 12))
        .isNotEqualTo(java.util.Arrays.copyOf(nonceB, 12));
    assertThat(sealer.open(a)).isEqualTo(SECRET);
    assertThat(sealer.open(b)).isEqualTo(SECRET);
    assertThat(sealer.isSealed(a)).isTrue();
  }

  @Test
  void legacyPlaintextOpensAsItIsAndIsNotSealed() {
    AesGcmSecretSealer sealer = sealer(1);
    assertThat(sealer.open(SECRET)).isEqualTo(SECRET);
    assertThat(sealer.isSealed(SECRET)).isFalse();
  }

  @Test
  void anotherMasterKeyOrATamperedValueFailsClearlyWithoutTheSecret() {
    String sealed = sealer(1).seal(SECRET);
    assertThatThrownBy(() -> sealer(2).open(sealed))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("master key id");

    byte[] data = Base64.getDecoder().decode(sealed.substring(sealed.lastIndexOf(':') + 1));
    data[data.length - 1] ^= 1;
    String tampered =
        sealed.substring(0, sealed.lastIndexOf(':') + 1) + Base64.getEncoder().encodeToString(data);
    assertThatThrownBy(() -> sealer(1).open(tampered))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("authentication")
        .hasMessageNotContaining(SECRET);
  }

  @Test
  void theMasterKeyMustBe32Bytes() {
    assertThatThrownBy(() -> new AesGcmSecretSealer(new byte[16], new SecureRandom()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
