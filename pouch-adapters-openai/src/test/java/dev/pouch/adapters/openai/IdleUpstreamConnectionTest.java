package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.adapters.mock.upstream.IdleClosingUpstream;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.UpstreamException;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import dev.pouch.testkit.PlainAnswers;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An upstream that closes idle keep-alive connections sooner than Pouch's pool keeps them: the next
 * request must not be sent on the dead connection (it would fail as "unexpected end of stream", and
 * Pouch never resends a request that may have reached the upstream). The upstream closes idle
 * connections when told, between requests, never on a clock: a loaded machine cannot make a
 * connection idle for longer than a test meant.
 */
class IdleUpstreamConnectionTest {
  private IdleClosingUpstream upstream;
  private OpenAiProviderFactory factory;
  private Provider provider;

  @BeforeEach
  void start() throws Exception {
    upstream = new IdleClosingUpstream();
    factory =
        new OpenAiProviderFactory(
            new OpenAiSettings("sk-server", "http://unused/v1", null), Clock.systemUTC());
    PluginConfig config =
        factory
            .info()
            .schema()
            .validate(Map.of("base_url", upstream.baseUrl(), "timeout_seconds", 5L));
    provider = factory.create(config);
  }

  @AfterEach
  void stop() throws Exception {
    factory.close();
    upstream.close();
  }

  private ProviderResponse.Complete ask(String id) {
    ChatRequest request =
        ChatRequest.of(
            Map.of(
                "model",
                "gpt-4o-mini",
                "max_tokens",
                20,
                "messages",
                List.of(Map.of("role", "user", "content", "Hello"))));
    return PlainAnswers.read(provider.execute(request, new UpstreamCall(id, 20)), 20);
  }

  @Test
  void aConnectionTheUpstreamClosedWhileIdleIsNotUsedAgain() {
    assertThat(ask("r1").status()).isEqualTo(200);
    for (int i = 2; i <= 4; i++) {
      assertThat(upstream.closeIdleConnections()).as("the pooled connection").isEqualTo(1);
      assertThat(ask("r" + i).status()).isEqualTo(200);
    }

    assertThat(upstream.requests()).isEqualTo(4);
    assertThat(upstream.connections()).as("a new one after each close").isEqualTo(4);
  }

  @Test
  void aLiveConnectionIsStillReused() {
    for (int i = 1; i <= 5; i++) {
      assertThat(ask("r" + i).status()).isEqualTo(200);
    }

    assertThat(upstream.requests()).isEqualTo(5);
    assertThat(upstream.connections()).isEqualTo(1);
    assertThat(upstream.idleCloses()).isZero();
  }

  @Test
  void aRequestThatReachedTheUpstreamIsNeverSentAgain() {
    assertThat(ask("r1").status()).isEqualTo(200);
    upstream.dropNextRequest(); // read in full, then the connection closes without an answer

    assertThatThrownBy(() -> ask("r2"))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_UNREACHABLE));
    assertThat(upstream.requests()).isEqualTo(2);
    assertThat(ask("r3").status()).isEqualTo(200);
    assertThat(upstream.requests()).isEqualTo(3);
  }
}
