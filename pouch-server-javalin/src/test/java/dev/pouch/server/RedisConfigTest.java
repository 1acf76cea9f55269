package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --redis} and {@code POUCH_REDIS}: where limits count, and the password kept secret. */
class RedisConfigTest {

  private static ServerConfig parse(Map<String, String> env, String... args) {
    return ServerConfig.parse(args, env);
  }

  @Test
  void withoutRedisLimitsCountPerInstance() {
    ServerConfig config = parse(Map.of());

    assertThat(config.redis()).isNull();
    assertThat(config.toString()).contains("limits=per instance");
  }

  @Test
  void theFlagNamesRedisAndThePasswordComesFromItsOwnVariable() {
    ServerConfig config =
        parse(Map.of("POUCH_REDIS_PASSWORD", "r3dis-secret"), "--redis", "redis://cache:6380/1");

    assertThat(config.redis().url()).isEqualTo("redis://cache:6380/1");
    assertThat(config.redis().password()).isEqualTo("r3dis-secret");
    assertThat(config.toString()).contains("redis://cache:6380/1").doesNotContain("r3dis-secret");
  }

  @Test
  void theCommandTimeoutIs200MillisecondsUnlessSet() {
    assertThat(parse(Map.of(), "--redis", "redis://cache").redis().commandTimeout())
        .isEqualTo(java.time.Duration.ofMillis(200));
    assertThat(
            parse(Map.of(), "--redis", "redis://cache", "--redis-timeout-ms", "1500")
                .redis()
                .commandTimeout())
        .isEqualTo(java.time.Duration.ofMillis(1500));
    assertThatThrownBy(() -> parse(Map.of(), "--redis", "redis://cache", "--redis-timeout-ms", "0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redis-timeout-ms");
  }

  @Test
  void aPasswordInTheFlagIsRefused() {
    assertThatThrownBy(() -> parse(Map.of(), "--redis", "redis://:r3dis-secret@cache:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("POUCH_REDIS_PASSWORD")
        .hasMessageNotContaining("r3dis-secret");
  }

  @Test
  void aPasswordInTheEnvironmentsUrlIsKeptOutOfTheConfigsText() {
    ServerConfig config = parse(Map.of("POUCH_REDIS", "redis://:r3dis-secret@cache:6379"));

    assertThat(config.redis().hasPasswordInUrl()).isTrue();
    assertThat(config.toString()).contains("redis://cache:6379").doesNotContain("r3dis-secret");
  }

  @Test
  void aUrlThatIsNotRedisIsRefused() {
    assertThatThrownBy(() -> parse(Map.of(), "--redis", "http://cache:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redis://");
  }
}
