package dev.pouch.application.proxy;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.fakes.FakeUpstream;
import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.RequestRejectedException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The one-call entry point for HTTP hosts: refusals come back as OpenAI-shaped responses. */
class ServeChatCompletionsTest {
  @RegisterExtension final TestPouch pouch = new TestPouch();

  @Test
  void aVerifiedKeyWithABodyIsServed() {
    CreatedKey key = pouch.create(aKey().budget(1_000_000));
    pouch.upstream.answer(call -> FakeUpstream.ok(80, 30));

    ProxyResponse response =
        pouch.proxy().serveChatCompletions("Bearer " + key.secret(), () -> chat().build());

    assertThat(response.status()).isEqualTo(200);
    assertThat(pouch.budget(key).spentMicros()).isPositive();
  }

  @Test
  void anUnknownKeyIsA401InOpenAisShapeAndTheBodyIsNeverParsed() {
    AtomicInteger parsed = new AtomicInteger();

    ProxyResponse response =
        pouch
            .proxy()
            .serveChatCompletions(
                "Bearer pa-nope",
                () -> {
                  parsed.incrementAndGet();
                  return chat().build();
                });

    assertThat(parsed).hasValue(0);
    assertThat(response)
        .isInstanceOfSatisfying(
            ProxyResponse.Complete.class,
            complete -> {
              assertThat(complete.status()).isEqualTo(401);
              assertThat(new String(complete.body(), StandardCharsets.UTF_8))
                  .contains("\"code\":\"invalid_api_key\"");
            });
  }

  @Test
  void aBodyTheHostCannotParseIsA400AndCostsNothing() {
    CreatedKey key = pouch.create(aKey().budget(1_000_000));

    ProxyResponse response =
        pouch
            .proxy()
            .serveChatCompletions(
                "Bearer " + key.secret(),
                () -> {
                  throw RequestRejectedException.invalidRequest(null, "not JSON");
                });

    assertThat(response.status()).isEqualTo(400);
    assertThat(pouch.budget(key).spentMicros()).isZero();
    assertThat(pouch.budget(key).reservedMicros()).isZero();
  }
}
