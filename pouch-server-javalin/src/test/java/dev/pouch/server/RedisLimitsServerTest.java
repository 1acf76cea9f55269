package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.pouch.adapters.redis.RedisLimitCounters;
import dev.pouch.adapters.redis.RedisLimitsSettings;
import dev.pouch.domain.limit.BucketTake;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server started with {@code --redis}, driven by the official OpenAI SDK over real HTTP: a
 * key's rate limit counts in Redis, so what another instance took from it is gone here too.
 */
class RedisLimitsServerTest {
  @TempDir Path data;
  private RedisLimitsSettings redis;
  private TestPouch pouch;
  private RedisLimitCounters otherInstance;

  @BeforeEach
  void startWithRedis() {
    redis =
        RedisLimitsSettings.of(TestRedisUrl.get())
            .withKeyPrefix("server:" + UUID.randomUUID() + ":")
            .withCommandTimeout(java.time.Duration.ofSeconds(2));
    pouch = TestPouch.start(TestPouch.config(data).withRedis(redis));
    otherInstance = RedisLimitCounters.connect(redis);
  }

  @AfterEach
  void stop() {
    if (pouch != null) {
      pouch.close();
    }
    if (otherInstance != null) {
      otherInstance.close();
    }
  }

  @Test
  void aRateLimitCountsWhatAnotherInstanceTookFromTheSameKey() {
    TestPouch.CreatedTestKey key =
        pouch.createKey(
            KeyBody.mock("shared").middleware("rate_limit", Map.of("limit", 5, "period", 36_000)));
    // another instance served three requests of this key: its counter has the same name
    BucketTake elsewhere =
        otherInstance
            .bucket(key.id() + "/0/rate_limit/5/36000", 5, 36_000_000)
            .take(3, Instant.now());
    OpenAIClient client =
        OpenAIOkHttpClient.builder()
            .apiKey(key.secret())
            .baseUrl(pouch.openAiBaseUrl())
            .maxRetries(0)
            .build();
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder().model("m").addUserMessage("hello").build();

    ChatCompletion fourth = client.chat().completions().create(params);
    ChatCompletion fifth = client.chat().completions().create(params);
    RateLimitException sixth =
        catchThrowableOfType(
            RateLimitException.class, () -> client.chat().completions().create(params));

    assertThat(elsewhere).isInstanceOf(BucketTake.Taken.class);
    assertThat(fourth.choices()).isNotEmpty();
    assertThat(fifth.choices()).isNotEmpty();
    assertThat(sixth).isNotNull();
    assertThat(sixth.statusCode()).isEqualTo(429);
    // one request per 7,200 s comes back; the test's own seconds have refilled a little
    assertThat(Integer.parseInt(sixth.headers().values("retry-after").get(0)))
        .isBetween(7_000, 7_200);
    assertThat(otherInstance.redisAnswers()).isTrue();
    assertThat(pouch.send("GET", "/metrics", null, null).raw()).contains("pouch_redis_up 1.0");
  }
}
