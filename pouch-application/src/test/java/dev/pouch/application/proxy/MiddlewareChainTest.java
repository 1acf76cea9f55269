package dev.pouch.application.proxy;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.FakeUpstream.ANSWER_COMPLETION_TOKENS;
import static dev.pouch.application.fakes.FakeUpstream.ANSWER_PROMPT_TOKENS;
import static dev.pouch.application.fakes.FakeUpstream.DEAR_INPUT_MICROS;
import static dev.pouch.application.fakes.FakeUpstream.DEAR_OUTPUT_MICROS;
import static dev.pouch.application.fakes.FakeUpstream.DEFAULT_PROMPT_ESTIMATE;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static dev.pouch.application.fakes.PouchAssertions.assertRefused;
import static dev.pouch.application.fakes.TestPouch.ANSWER_COST;
import static dev.pouch.application.fakes.TestPouch.MARGIN;
import static dev.pouch.application.fakes.TestPouch.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.fakes.FakeStream;
import dev.pouch.application.fakes.FakeUpstream;
import dev.pouch.application.fakes.KeyDraftBuilder;
import dev.pouch.application.fakes.ScriptedMiddlewares;
import dev.pouch.application.fakes.ScriptedMiddlewares.Action;
import dev.pouch.application.fakes.ScriptedMiddlewares.ScriptedMiddleware;
import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.Refusal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The key's middleware chain, shaped like OkHttp's interceptors, ending in the reservation. */
class MiddlewareChainTest {
  private static final long LIMIT = 1_000_000;

  @RegisterExtension final TestPouch pouch = new TestPouch();
  private final ScriptedMiddlewares middlewares = pouch.middlewares;

  @Test
  void middlewaresRunInTheirConfiguredOrderAroundTheUpstreamCall() {
    CreatedKey key =
        pouch.create(
            aKey()
                .scripted("a", Action.PASS)
                .scripted("b", Action.PASS)
                .scripted("c", Action.PASS));

    ProxyResponse response = pouch.chat(key, chat());

    assertThat(middlewares.trace()).containsExactly("a >", "b >", "c >", "c <", "b <", "a <");
    assertThat(response.headers()).containsKeys("X-Seen-By-a", "X-Seen-By-b", "X-Seen-By-c");
    assertThat(pouch.upstream.calls()).hasSize(1);
  }

  @Test
  void aMiddlewareCanRewriteTheRequestAndTheReservationPricesTheRewrittenOne() {
    CreatedKey key =
        pouch.create(aKey().budget(LIMIT).rewritingModelTo("router", FakeUpstream.DEAR_MODEL));

    pouch.chat(key, chat().maxTokens(10));

    assertThat(pouch.upstream.onlyCall().request().model()).isEqualTo(FakeUpstream.DEAR_MODEL);
    var record = pouch.store.onlyRecord();
    assertThat(record.model()).isEqualTo(FakeUpstream.DEAR_MODEL);
    assertThat(record.reservedMicros())
        .isEqualTo(
            DEFAULT_PROMPT_ESTIMATE * DEAR_INPUT_MICROS + (10 + MARGIN) * DEAR_OUTPUT_MICROS);
    assertThat(record.costMicros())
        .isEqualTo(
            ANSWER_PROMPT_TOKENS * DEAR_INPUT_MICROS
                + ANSWER_COMPLETION_TOKENS * DEAR_OUTPUT_MICROS);
  }

  @Test
  void aRewriteToAModelTheKeyMayNotUseIsRefused() {
    CreatedKey key =
        pouch.create(
            aKey()
                .allowedModels(FakeUpstream.MODEL)
                .rewritingModelTo("router", FakeUpstream.DEAR_MODEL));

    assertRefused(pouch.chat(key, chat()), ErrorCode.MODEL_NOT_ALLOWED);

    assertThat(pouch.upstream.calls()).isEmpty();
    assertThat(pouch.store.reservations()).isEmpty();
  }

  @Test
  void aMiddlewareCanShortCircuitWithoutReachingTheUpstreamOrReserving() {
    CreatedKey key =
        pouch.create(
            aKey()
                .budget(LIMIT)
                .scripted("a", Action.PASS)
                .scripted("cache", Action.SHORT_CIRCUIT)
                .scripted("never", Action.PASS));

    ProxyResponse response = pouch.chat(key, chat());

    assertThat(new String(((ProxyResponse.Complete) response).body(), StandardCharsets.UTF_8))
        .isEqualTo(ScriptedMiddlewares.SHORT_CIRCUIT_BODY);
    assertThat(middlewares.trace()).containsExactly("a >", "cache >", "cache <", "a <");
    assertThat(pouch.upstream.calls()).isEmpty();
    assertThat(pouch.store.reservations()).isEmpty();
    assertThat(pouch.budget(key).usedMicros()).isZero();
  }

  @Test
  void aMiddlewareCanRefuseARequestBeforeAnythingIsReserved() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT).scripted("limiter", Action.REFUSE));

    Refusal refused = assertRefused(pouch.chat(key, chat()), ErrorCode.RATE_LIMIT_EXCEEDED);

    assertThat(refused.retryAfterSeconds()).isEqualTo(7);
    assertThat(pouch.store.reservations()).isEmpty();
  }

  @Test
  void callingProceedTwiceFailsAndTheFirstCallIsSettledOnce() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT).scripted("greedy", Action.PROCEED_TWICE));

    assertThatThrownBy(() -> pouch.chat(key, chat().maxTokens(10)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(ScriptedMiddleware.class.getName());

    assertThat(pouch.upstream.calls()).hasSize(1);
    assertThat(pouch.budget(key).spentMicros()).isEqualTo(ANSWER_COST);
    assertThat(pouch.budget(key).reservedMicros()).isZero();
    assertThat(pouch.store.records()).hasSize(1);
  }

  @Test
  void returningNullFailsNamingTheMiddleware() {
    CreatedKey key =
        pouch.create(
            aKey().budget(LIMIT).scripted("a", Action.PASS).scripted("b", Action.RETURN_NULL));

    assertThatThrownBy(() -> pouch.chat(key, chat()))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining(ScriptedMiddleware.class.getName());

    assertThat(pouch.store.reservations()).isEmpty();
  }

  @Test
  void aMiddlewareInstanceServesEveryRequestOfItsKeyConfiguration() {
    CreatedKey key = pouch.create(aKey().scripted("counter", Action.PASS));
    // Key management builds (and closes) the provider once to check the config.
    int checkedAtCreation = pouch.upstream.providersCreated();

    for (int i = 0; i < 3; i++) {
      pouch.chat(key, chat());
    }

    assertThat(middlewares.created())
        .singleElement()
        .satisfies(m -> assertThat(m.requests()).isEqualTo(3));
    assertThat(pouch.upstream.providersCreated()).isEqualTo(checkedAtCreation + 1);
  }

  @Test
  void aMiddlewareIsRebuiltWhenItsKeysPolicyIsEdited() {
    CreatedKey key = pouch.create(aKey().scripted("v1", Action.PASS));
    pouch.chat(key, chat());

    pouch.keys().update(key.view().key().id(), aKey().scripted("v2", Action.PASS).build());
    pouch.chat(key, chat());

    assertThat(middlewares.created())
        .extracting(ScriptedMiddleware::label)
        .containsExactly("v1", "v2");
    ScriptedMiddleware old = middlewares.created().get(0);
    ScriptedMiddleware current = middlewares.created().get(1);
    assertThat(old.isClosed()).isTrue();
    assertThat(old.requests()).isEqualTo(1);
    assertThat(current.requests()).isEqualTo(1);
  }

  @Test
  void aMiddlewareKeepsItsStateWhenOnlyTheKeysNameOrBudgetIsEdited() {
    KeyDraftBuilder draft = aKey().scripted("limiter", Action.PASS);
    CreatedKey key = pouch.create(draft);
    pouch.chat(key, chat());

    pouch.keys().update(key.view().key().id(), draft.name("renamed").budget(LIMIT).build());
    pouch.chat(key, chat());

    assertThat(middlewares.created())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.requests()).isEqualTo(2);
              assertThat(m.isClosed()).isFalse();
            });
  }

  @Test
  void aMiddlewareKeepsItsStateWhenItsKeyAutoRenews() {
    CreatedKey key =
        pouch.create(
            aKey()
                .scripted("limiter", Action.PASS)
                .expiresAt(T0.plus(Duration.ofDays(1)))
                .autoRenew());
    pouch.chat(key, chat());
    pouch.clock.advance(Duration.ofDays(2));

    pouch.chat(key, chat());

    assertThat(middlewares.created())
        .singleElement()
        .satisfies(m -> assertThat(m.requests()).isEqualTo(2));
  }

  @Test
  void deletingAKeyReleasesItsPluginInstances() {
    CreatedKey key = pouch.create(aKey().scripted("limiter", Action.PASS));
    // Key management builds the provider once to check the config, and closes it at once.
    int checkedAtCreation = pouch.upstream.providersClosed();
    pouch.chat(key, chat());

    pouch.keys().delete(key.view().key().id());

    assertThat(middlewares.created())
        .singleElement()
        .satisfies(m -> assertThat(m.isClosed()).isTrue());
    assertThat(checkedAtCreation).isEqualTo(1);
    assertThat(pouch.upstream.providersClosed()).isEqualTo(checkedAtCreation + 1);
  }

  @Test
  void aStreamAMiddlewareFailedToPassOnIsClosedAndSettled() {
    CreatedKey key =
        pouch.create(aKey().budget(LIMIT).scripted("clumsy", Action.THROW_AFTER_PROCEED));
    FakeStream upstream = FakeStream.billingPrompt(80).chunks(3, 5);
    pouch.upstream.answer(call -> FakeUpstream.streaming(upstream));

    assertThatThrownBy(() -> pouch.chat(key, chat().maxTokens(10).stream()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("clumsy");

    assertThat(upstream.isClosed()).isTrue();
    assertThat(pouch.budget(key).reservedMicros()).isZero();
    assertThat(pouch.store.onlyRecord().basis()).isEqualTo(SettlementBasis.FULL_RESERVATION);
    assertThat(pouch.store.openReservations()).isEmpty();
  }

  @Test
  void aStreamAMiddlewareReplacedWithItsOwnAnswerIsClosedAndSettled() {
    CreatedKey key =
        pouch.create(aKey().budget(LIMIT).scripted("override", Action.REPLACE_AFTER_PROCEED));
    FakeStream upstream = FakeStream.billingPrompt(80).chunks(3, 5);
    pouch.upstream.answer(call -> FakeUpstream.streaming(upstream));

    ProxyResponse response = pouch.chat(key, chat().maxTokens(10).stream());

    assertThat(response).isInstanceOf(ProxyResponse.Complete.class);
    assertThat(upstream.isClosed()).isTrue();
    assertThat(pouch.budget(key).reservedMicros()).isZero();
    assertThat(pouch.store.records()).hasSize(1);
  }

  @Test
  void aStreamPassedOnByTheChainIsLeftOpenForTheClient() {
    CreatedKey key = pouch.create(aKey().budget(LIMIT).scripted("a", Action.PASS));
    FakeStream upstream = FakeStream.billingPrompt(80).chunks(3, 5);
    pouch.upstream.answer(call -> FakeUpstream.streaming(upstream));

    ProxyResponse response = pouch.chat(key, chat().maxTokens(20).stream());

    assertThat(response).isInstanceOf(ProxyResponse.Streaming.class);
    assertThat(response.headers()).containsKey("X-Seen-By-a");
    assertThat(upstream.isClosed()).isFalse();
    ((ProxyResponse.Streaming) response).stream().close();
    assertThat(upstream.isClosed()).isTrue();
  }
}
