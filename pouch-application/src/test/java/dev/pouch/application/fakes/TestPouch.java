package dev.pouch.application.fakes;

import dev.pouch.application.Pouch;
import dev.pouch.application.PouchSettings;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.application.port.in.ManageKeys;
import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.application.port.in.RequestMeta;
import dev.pouch.application.port.out.KeyChanges;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.key.AppKey;
import java.time.Instant;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link Pouch} wired as an embedding application would, on fakes: the in-memory store, the
 * scriptable upstream, the scripted middlewares and a clock that moves only when told.
 */
public final class TestPouch implements AfterEachCallback {
  public static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  /** Output tokens reserved beyond every cap (the default settings). */
  public static final long MARGIN = PouchSettings.DEFAULTS.overrunMarginTokens();

  /** The smallest answer Pouch chooses to serve (the default settings). */
  public static final long MIN_USEFUL = PouchSettings.DEFAULTS.minUsefulOutputTokens();

  /** What the fake upstream's default answer costs. */
  public static final long ANSWER_COST =
      micros(FakeUpstream.ANSWER_PROMPT_TOKENS, FakeUpstream.ANSWER_COMPLETION_TOKENS);

  public final InMemoryStore store;
  public final FakeUpstream upstream = new FakeUpstream();
  public final ScriptedMiddlewares middlewares = new ScriptedMiddlewares();
  public final MutableClock clock = new MutableClock(T0);
  public final Pouch core;

  public TestPouch() {
    this(new InMemoryStore(), KeyChanges.NONE);
  }

  /**
   * One of several instances on {@code store}, hearing each other's key changes through {@code
   * changes}.
   */
  public TestPouch(InMemoryStore store, KeyChanges changes) {
    this.store = store;
    this.core =
        Pouch.builder()
            .keys(store)
            .ledger(store)
            .teams(store)
            .requestLog(store)
            .storedResponses(store)
            .provider(upstream.factory())
            .middleware(middlewares)
            .clock(clock)
            .keyChanges(changes)
            .build();
  }

  /**
   * What {@code prompt} input and {@code output} output tokens cost on the fake's default model:
   * {@value FakeUpstream#INPUT_MICROS} and {@value FakeUpstream#OUTPUT_MICROS} µ$ per token.
   */
  public static long micros(long prompt, long output) {
    return prompt * FakeUpstream.INPUT_MICROS + output * FakeUpstream.OUTPUT_MICROS;
  }

  /** The reservation of a request with {@code outputCap} output tokens and the default prompt. */
  public static long reservationFor(long outputCap) {
    return micros(FakeUpstream.DEFAULT_PROMPT_ESTIMATE, outputCap + MARGIN);
  }

  public ManageKeys keys() {
    return core.keys();
  }

  public ProxyChat proxy() {
    return core.proxy();
  }

  public CreatedKey create(KeyDraftBuilder draft) {
    return keys().create(draft.build());
  }

  public AppKey authenticate(CreatedKey key) {
    return proxy().authenticate("Bearer " + key.secret());
  }

  /** Authenticates as a client would and sends the request. */
  public ProxyResponse chat(CreatedKey key, ChatBody body) {
    return send(authenticate(key), body.build());
  }

  /** Sends a request for an authenticated key, under a new request id. */
  public ProxyResponse send(AppKey key, java.util.Map<String, Object> body) {
    return proxy().chatCompletions(key, body, RequestMeta.of(proxy().newRequestId()));
  }

  public Budget budget(CreatedKey key) {
    return store.budget(key.view().key().id());
  }

  public AppKey stored(CreatedKey key) {
    return store.findById(key.view().key().id()).orElseThrow();
  }

  /** After each test: releases plugin instances and checks the ledger is consistent. */
  @Override
  public void afterEach(ExtensionContext context) {
    core.close();
    store.assertConsistent();
  }
}
