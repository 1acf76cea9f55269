package dev.pouch.application.keys;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static dev.pouch.application.fakes.PouchAssertions.assertRefused;
import static dev.pouch.application.fakes.PouchAssertions.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.fakes.FakeUpstream;
import dev.pouch.application.fakes.InMemoryStore;
import dev.pouch.application.fakes.KeyDraftBuilder;
import dev.pouch.application.fakes.ScriptedMiddlewares.Action;
import dev.pouch.application.fakes.ScriptedMiddlewares.ScriptedMiddleware;
import dev.pouch.application.fakes.SharedKeyChanges;
import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.domain.error.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two instances on one store (two cores on one in-memory store, their key changes carried between
 * them): a change made through one reaches the other's cached key and plugins, a rename keeps the
 * other's plugin state, and changes missed while disconnected are forgotten everywhere on
 * reconnect.
 */
class KeyChangesAcrossInstancesTest {
  private final InMemoryStore store = new InMemoryStore();
  private final SharedKeyChanges changes = new SharedKeyChanges();

  @RegisterExtension final TestPouch a = new TestPouch(store, changes.instance());
  @RegisterExtension final TestPouch b = new TestPouch(store, changes.instance());

  @Test
  void aKeyRevokedOnOneInstanceIsRefusedOnTheOtherThoughItWasCachedThere() {
    CreatedKey key = a.create(aKey());
    assertThat(b.chat(key, chat()).status()).isEqualTo(200);

    a.keys().delete(id(key));

    assertRejected(() -> b.authenticate(key), ErrorCode.INVALID_API_KEY);
  }

  @Test
  void aKeySuspendedOnOneInstanceIsRefusedOnTheOther() {
    CreatedKey key = a.create(aKey());
    assertThat(b.chat(key, chat()).status()).isEqualTo(200);

    a.keys().suspend(id(key), "runaway loop");

    assertRefused(b.chat(key, chat()), ErrorCode.KEY_SUSPENDED);
  }

  @Test
  void aPolicyEditedOnOneInstanceAppliesToTheOthersNextRequest() {
    KeyDraftBuilder both = aKey().allowedModels(FakeUpstream.MODEL, FakeUpstream.DEAR_MODEL);
    CreatedKey key = a.create(both);
    assertThat(b.chat(key, chat()).status()).isEqualTo(200);

    a.keys().update(id(key), aKey().allowedModels(FakeUpstream.DEAR_MODEL).build());

    assertRefused(b.chat(key, chat()), ErrorCode.MODEL_NOT_ALLOWED);
  }

  @Test
  void aRenameOnOneInstanceKeepsTheOthersMiddlewareInstances() {
    CreatedKey key = a.create(aKey().name("first").scripted("limiter", Action.PASS));
    b.chat(key, chat());
    ScriptedMiddleware onB = b.middlewares.created().get(0);

    a.keys().update(id(key), aKey().name("second").scripted("limiter", Action.PASS).build());
    b.chat(key, chat());

    assertThat(b.authenticate(key).name()).isEqualTo("second");
    assertThat(b.middlewares.created()).containsExactly(onB);
    assertThat(onB.isClosed()).isFalse();
    assertThat(onB.requests()).isEqualTo(2);
  }

  @Test
  void aResumeOnOneInstanceGivesTheOtherFreshMiddlewareInstances() {
    CreatedKey key = a.create(aKey().scripted("guard", Action.PASS));
    b.chat(key, chat());
    ScriptedMiddleware before = b.middlewares.created().get(0);
    a.keys().suspend(id(key), "tripped");

    a.keys().resume(id(key));

    assertThat(before.isClosed()).isTrue();
    assertThat(b.chat(key, chat()).status()).isEqualTo(200);
    assertThat(b.middlewares.created()).hasSize(2).last().isNotSameAs(before);
  }

  @Test
  void changesMissedWhileDisconnectedAreForgottenEverywhereOnReconnect() {
    CreatedKey key = a.create(aKey().scripted("limiter", Action.PASS));
    b.chat(key, chat());
    ScriptedMiddleware onB = b.middlewares.created().get(0);
    changes.lose(true);
    a.keys().delete(id(key));
    assertThat(b.authenticate(key).id()).isEqualTo(id(key)); // still cached: the change was lost

    changes.reconnect();

    assertRejected(() -> b.authenticate(key), ErrorCode.INVALID_API_KEY);
    assertThat(onB.isClosed()).isTrue();
  }

  private static String id(CreatedKey key) {
    return key.view().key().id();
  }
}
