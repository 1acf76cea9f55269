package dev.pouch.adapters.postgres;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.Pouch;
import dev.pouch.application.fakes.FakeUpstream;
import dev.pouch.application.fakes.KeyDraftBuilder;
import dev.pouch.application.fakes.ScriptedMiddlewares;
import dev.pouch.application.fakes.ScriptedMiddlewares.Action;
import dev.pouch.application.fakes.ScriptedMiddlewares.ScriptedMiddleware;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.application.port.in.RequestMeta;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.PouchException;
import dev.pouch.domain.key.AppKey;
import java.sql.Connection;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Two instances on one schema (two stores, two cores, each with its lease): a revoke, a suspend or
 * an edit through A takes effect on B, which had the key cached, within a second; a rename keeps
 * B's plugin instances and a resume restarts them; and B's listening connection, killed, comes back
 * and forgets what it may have missed meanwhile.
 */
@ExtendWith(TestDatabase.class)
class PostgresKeyChangesTest {
  private static final Duration PROMISED = Duration.ofSeconds(1);
  private static final String OK = "OK";

  private PostgresStore storeA;
  private PostgresStore storeB;
  private Instance a;
  private Instance b;

  /** One gateway instance: a core on its own store, with its own upstream and middlewares. */
  private record Instance(Pouch core, ScriptedMiddlewares middlewares) {
    static Instance on(PostgresStore store) {
      ScriptedMiddlewares middlewares = new ScriptedMiddlewares();
      Pouch core =
          Pouch.builder()
              .keys(store)
              .ledger(store)
              .teams(store)
              .requestLog(store)
              .provider(new FakeUpstream().factory())
              .middleware(middlewares)
              .keyChanges(store.keyChanges())
              .build();
      return new Instance(core, middlewares);
    }

    CreatedKey create(KeyDraftBuilder draft) {
      return core.keys().create(draft.build());
    }

    /** What a client gets for one chat request with {@code key}: OK, or the refusal's code. */
    String outcomeOf(CreatedKey key) {
      try {
        ProxyResponse response =
            core.proxy()
                .chatCompletions(
                    core.proxy().authenticate("Bearer " + key.secret()),
                    chat().build(),
                    RequestMeta.of(core.proxy().newRequestId()));
        if (response instanceof ProxyResponse.Refused refused) {
          return refused.refusal().code().name();
        }
        return response.status() == 200 ? OK : "status " + response.status();
      } catch (PouchException refused) {
        return refused.code().name();
      }
    }
  }

  @BeforeEach
  void twoInstancesOnOneSchema() {
    storeA = TestDatabase.open(getClass());
    storeB = PostgresStore.open(TestDatabase.schemaOf(getClass()));
    a = Instance.on(storeA);
    b = Instance.on(storeB);
  }

  @AfterEach
  void stop() {
    b.core().close();
    a.core().close();
    storeB.close();
    storeA.close();
  }

  @Test
  void aKeyRevokedOnAIsRefusedOnBWithinASecond() {
    CreatedKey key = a.create(aKey());
    assertThat(b.outcomeOf(key)).isEqualTo(OK);

    a.core().keys().delete(id(key));

    assertThat(timeUntil(() -> b.outcomeOf(key).equals("INVALID_API_KEY"))).isLessThan(PROMISED);
  }

  @Test
  void aKeySuspendedOnAIsRefusedOnBWithinASecond() {
    CreatedKey key = a.create(aKey());
    assertThat(b.outcomeOf(key)).isEqualTo(OK);

    a.core().keys().suspend(id(key), "runaway loop");

    assertThat(timeUntil(() -> b.outcomeOf(key).equals("KEY_SUSPENDED"))).isLessThan(PROMISED);
  }

  @Test
  void aModelAllowListEditedOnAIsFollowedOnBWithinASecond() {
    CreatedKey key = a.create(aKey().allowedModels(FakeUpstream.MODEL, FakeUpstream.DEAR_MODEL));
    assertThat(b.outcomeOf(key)).isEqualTo(OK);

    a.core().keys().update(id(key), aKey().allowedModels(FakeUpstream.DEAR_MODEL).build());

    assertThat(timeUntil(() -> b.outcomeOf(key).equals("MODEL_NOT_ALLOWED"))).isLessThan(PROMISED);
  }

  @Test
  void aRenameOnAReachesBAndKeepsBsMiddlewareInstances() {
    CreatedKey key = a.create(aKey().name("first").scripted("limiter", Action.PASS));
    assertThat(b.outcomeOf(key)).isEqualTo(OK);
    ScriptedMiddleware onB = b.middlewares().created().get(0);

    a.core().keys().update(id(key), aKey().name("second").scripted("limiter", Action.PASS).build());

    assertThat(timeUntil(() -> authenticatedName(b, key).equals("second"))).isLessThan(PROMISED);
    assertThat(b.outcomeOf(key)).isEqualTo(OK);
    assertThat(b.middlewares().created()).containsExactly(onB);
    assertThat(onB.isClosed()).isFalse();
  }

  @Test
  void aResumeOnARestartsBsMiddlewaresWithinASecond() {
    CreatedKey key = a.create(aKey().scripted("guard", Action.PASS));
    assertThat(b.outcomeOf(key)).isEqualTo(OK);
    ScriptedMiddleware before = b.middlewares().created().get(0);
    a.core().keys().suspend(id(key), "tripped");

    a.core().keys().resume(id(key));

    assertThat(timeUntil(before::isClosed)).isLessThan(PROMISED);
    assertThat(b.outcomeOf(key)).isEqualTo(OK);
    assertThat(b.middlewares().created()).hasSize(2).last().isNotSameAs(before);
  }

  @Test
  void bsKilledListenerReconnectsForgetsWhatItMayHaveMissedAndHearsTheNextRevoke() {
    CreatedKey missed = a.create(aKey());
    CreatedKey later = a.create(aKey());
    assertThat(b.outcomeOf(missed)).isEqualTo(OK);
    assertThat(b.outcomeOf(later)).isEqualTo(OK);
    // a revoke B cannot hear: written around the store, as if sent while B was disconnected
    storeA
        .database()
        .write(h -> h.execute("UPDATE app_keys SET deleted_at = 1 WHERE id = ?", id(missed)));
    assertThat(b.outcomeOf(missed)).isEqualTo(OK); // B still has it cached

    String listener = ((PostgresKeyChanges) storeB.keyChanges()).applicationName();
    assertThat(terminate(listener)).isEqualTo(1);

    assertThat(timeUntil(() -> b.outcomeOf(missed).equals("INVALID_API_KEY")))
        .isLessThan(Duration.ofSeconds(5));
    assertThat(b.outcomeOf(later)).isEqualTo(OK);
    a.core().keys().delete(id(later));
    assertThat(timeUntil(() -> b.outcomeOf(later).equals("INVALID_API_KEY"))).isLessThan(PROMISED);
  }

  @Test
  void aKeyWriteNotifiesOnlyWhenItChangedTheKeyAndOnlyOnceCommitted() throws Exception {
    CreatedKey key = a.create(aKey());
    AppKey stored = storeA.findById(id(key)).orElseThrow();
    AppKey renamed = stored.edited("renamed", null, false, stored.policy());
    try (Connection listening = storeA.database().unpooledConnection("test listener")) {
      listening.createStatement().execute("LISTEN \"pouch_key_changes_" + schema() + "\"");
      PGConnection notifications = listening.unwrap(PGConnection.class);

      assertThat(storeA.update(renamed, stored.version() + 7)).isFalse();
      assertThat(storeA.delete("key_unknown")).isFalse();
      assertThat(notifications.getNotifications(300)).isNullOrEmpty();

      assertThat(storeA.update(renamed, stored.version())).isTrue();
      PGNotification[] heard = notifications.getNotifications(2_000);
      assertThat(heard).hasSize(1);
      assertThat(heard[0].getParameter()).endsWith(" " + id(key) + " reload");
    }
  }

  @Test
  void closingAStoreEndsItsListeningSession() {
    String listener = ((PostgresKeyChanges) storeB.keyChanges()).applicationName();
    assertThat(sessionsNamed(listener)).isEqualTo(1);

    b.core().close();
    storeB.close();

    assertThat(timeUntil(() -> sessionsNamed(listener) == 0)).isLessThan(PROMISED);
  }

  private int sessionsNamed(String applicationName) {
    return storeA
        .database()
        .read(
            h ->
                h.createQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")
                    .bind(0, applicationName)
                    .mapTo(Integer.class)
                    .one());
  }

  private String schema() {
    return TestDatabase.schemaOf(getClass()).schema();
  }

  private int terminate(String applicationName) {
    return storeA
        .database()
        .read(
            h ->
                h.createQuery(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            + " WHERE application_name = ?")
                    .bind(0, applicationName)
                    .mapTo(Integer.class)
                    .one());
  }

  private static String authenticatedName(Instance instance, CreatedKey key) {
    return instance.core().proxy().authenticate("Bearer " + key.secret()).name();
  }

  /** How long until {@code condition} held, polled every 10 ms; fails after 10 s. */
  private static Duration timeUntil(BooleanSupplier condition) {
    long started = System.nanoTime();
    while (!condition.getAsBoolean()) {
      Duration waited = Duration.ofNanos(System.nanoTime() - started);
      assertThat(waited).as("waited for the change to arrive").isLessThan(Duration.ofSeconds(10));
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    return Duration.ofNanos(System.nanoTime() - started);
  }

  private static String id(CreatedKey key) {
    return key.view().key().id();
  }
}
