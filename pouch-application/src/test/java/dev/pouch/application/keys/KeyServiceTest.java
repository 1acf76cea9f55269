package dev.pouch.application.keys;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static dev.pouch.application.fakes.PouchAssertions.assertRefused;
import static dev.pouch.application.fakes.PouchAssertions.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pouch.application.fakes.FakeUpstream;
import dev.pouch.application.fakes.KeyDraftBuilder;
import dev.pouch.application.fakes.ScriptedMiddlewares.Action;
import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.application.port.in.KeyView;
import dev.pouch.application.port.in.ManageKeys;
import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.PouchException;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.KeyStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyServiceTest {
  @RegisterExtension final TestPouch pouch = new TestPouch();
  private final ManageKeys keys = pouch.keys();
  private final ProxyChat proxy = pouch.proxy();

  @Test
  void aNewKeyIsAPaSecretShownOnceOfWhichOnlyTheHashIsStored() throws Exception {
    CreatedKey created = pouch.create(aKey().name("billing bot"));
    String secret = created.secret();

    assertThat(secret).startsWith("pa-").hasSizeGreaterThanOrEqualTo(35);
    AppKey stored = pouch.stored(created);
    assertThat(stored.secretHash()).isEqualTo(sha256Hex(secret));
    assertThat(secret).startsWith(stored.prefix());
    assertThat(stored.prefix()).startsWith("pa-").hasSizeLessThan(secret.length() / 2);
    assertThat(List.of(stored.id(), stored.name(), stored.prefix(), stored.secretHash()))
        .noneMatch(field -> field.contains(secret.substring(stored.prefix().length())));
    assertThat(created.toString()).doesNotContain(secret);
  }

  @Test
  void everyKeyGetsItsOwnSecretAndId() {
    CreatedKey first = pouch.create(aKey());
    CreatedKey second = pouch.create(aKey());

    assertThat(first.secret()).isNotEqualTo(second.secret());
    assertThat(first.view().key().id()).isNotEqualTo(second.view().key().id());
  }

  @Test
  void aNewKeyOpensItsBudget() {
    CreatedKey created = pouch.create(aKey().budget(5_000).resetEvery(Duration.ofDays(1)));

    assertThat(created.view().budget().limitMicros()).isEqualTo(5_000);
    assertThat(created.view().budget().spentMicros()).isZero();
    assertThat(created.view().budget().periodStartedAt()).isEqualTo(TestPouch.T0);
    assertThat(created.view().status()).isEqualTo(KeyStatus.ACTIVE);
    assertThat(created.view().simulated()).isFalse();
  }

  @Test
  void theSecretAuthenticatesItsKey() {
    CreatedKey created = pouch.create(aKey());

    AppKey key = proxy.authenticate("Bearer " + created.secret());

    assertThat(key.id()).isEqualTo(created.view().key().id());
  }

  @Test
  void authenticationIsCachedAfterTheFirstLookup() {
    CreatedKey created = pouch.create(aKey());

    pouch.authenticate(created);
    pouch.authenticate(created);
    pouch.authenticate(created);

    assertThat(pouch.store.hashLookups()).isEqualTo(1);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "Bearer",
        "Bearer ",
        "Bearer pa-",
        "Bearer pa-not-a-real-key-0000000000000000000000000000",
        "Bearer sk-not-even-ours",
        "Basic dXNlcjpwYXNz",
        "pa-without-the-bearer-word"
      })
  void aMissingOrWrongHeaderIsAnInvalidApiKey(String header) {
    pouch.create(aKey());

    assertRejected(() -> proxy.authenticate(header), ErrorCode.INVALID_API_KEY);
  }

  @Test
  void theSecretAloneOrUnderAnotherSchemeIsAnInvalidApiKey() {
    CreatedKey created = pouch.create(aKey());

    assertRejected(() -> proxy.authenticate(created.secret()), ErrorCode.INVALID_API_KEY);
    assertRejected(
        () -> proxy.authenticate("Token " + created.secret()), ErrorCode.INVALID_API_KEY);
    assertRejected(
        () -> proxy.authenticate("Bearer " + created.secret() + "x"), ErrorCode.INVALID_API_KEY);
  }

  @Test
  void aDeletedKeyIsRefusedAtOnceEvenThoughItWasCached() {
    CreatedKey created = pouch.create(aKey());
    pouch.authenticate(created);

    keys.delete(created.view().key().id());

    assertRejected(() -> pouch.authenticate(created), ErrorCode.INVALID_API_KEY);
    assertRejected(() -> keys.get(created.view().key().id()), ErrorCode.NOT_FOUND);
    assertThat(keys.list()).isEmpty();
  }

  @Test
  void deletingAnUnknownKeyIsNotFound() {
    assertRejected(() -> keys.delete("key_missing"), ErrorCode.NOT_FOUND);
  }

  @Test
  void anEditedPolicyAppliesToTheVeryNextRequest() {
    CreatedKey created =
        pouch.create(aKey().allowedModels(FakeUpstream.MODEL, FakeUpstream.DEAR_MODEL));
    pouch.chat(created, chat());

    keys.update(created.view().key().id(), aKey().allowedModels(FakeUpstream.DEAR_MODEL).build());

    assertRefused(pouch.chat(created, chat()), ErrorCode.MODEL_NOT_ALLOWED);
    assertThat(pouch.upstream.calls()).hasSize(1);
  }

  @Test
  void anEditedBudgetAppliesToTheVeryNextRequest() {
    CreatedKey created = pouch.create(aKey());
    pouch.authenticate(created);

    keys.update(created.view().key().id(), aKey().budget(1).build());

    assertRefused(pouch.chat(created, chat()), ErrorCode.BUDGET_EXCEEDED);
  }

  @Test
  void anUpdateKeepsTheSecretAndBumpsTheVersion() {
    CreatedKey created = pouch.create(aKey());

    KeyView updated = keys.update(created.view().key().id(), aKey().name("renamed").build());

    assertThat(updated.key().name()).isEqualTo("renamed");
    assertThat(updated.key().version()).isEqualTo(created.view().key().version() + 1);
    assertThat(pouch.authenticate(created).name()).isEqualTo("renamed");
  }

  @Test
  void aMaskedOrAbsentSecretConfigFieldKeepsTheStoredSecret() {
    CreatedKey created = pouch.create(aKey().providerConfig("api_key", "sk-upstream-1"));
    String id = created.view().key().id();

    keys.update(id, aKey().providerConfig("api_key", KeyService.SECRET_MASK).build());
    assertThat(providerConfig(id)).containsEntry("api_key", "sk-upstream-1");

    keys.update(id, aKey().build());
    assertThat(providerConfig(id)).containsEntry("api_key", "sk-upstream-1");

    keys.update(id, aKey().providerConfig("api_key", "sk-upstream-2").build());
    assertThat(providerConfig(id)).containsEntry("api_key", "sk-upstream-2");
  }

  @Test
  void changesNamesTheFieldsAnUpdateWouldChangeAndWritesNothing() {
    KeyDraftBuilder draft =
        aKey().name("bot").providerConfig("api_key", "sk-upstream-1").budget(5_000);
    CreatedKey created = pouch.create(draft);
    String id = created.view().key().id();

    assertThat(keys.changes(id, draft.build())).isEmpty();
    assertThat(keys.changes(id, draft.budget(6_000).build())).containsExactly("budgets");
    assertThat(keys.changes(id, draft.name("bot 2").allowedModels("gpt-4.1").build()))
        .containsExactly("name", "allowed_models", "budgets");
    assertThat(keys.get(id).key().version()).isEqualTo(created.view().key().version());
    assertThat(keys.get(id).budget().limitMicros()).isEqualTo(5_000);
  }

  @Test
  void theSameSecretSentAgainInPlaintextIsNoChangeAndAnotherOneChangesTheProvider() {
    CreatedKey created = pouch.create(aKey().providerConfig("api_key", "sk-upstream-1"));
    String id = created.view().key().id();

    assertThat(keys.changes(id, aKey().providerConfig("api_key", "sk-upstream-1").build()))
        .isEmpty();
    assertThat(keys.changes(id, aKey().providerConfig("api_key", "sk-upstream-2").build()))
        .containsExactly("provider");
  }

  @Test
  void checkRefusesADraftCreateWouldRefuseAndStoresNothing() {
    assertRejected(
        () -> keys.check(aKey().provider("no-such-provider", Map.of()).build()),
        ErrorCode.INVALID_REQUEST);
    keys.check(aKey().build());

    assertNothingStored();
  }

  @Test
  void anUnknownProviderIsRefusedNamingProviderId() {
    PouchException refused = refusedToCreate(aKey().provider("no-such-provider", Map.of()));

    assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(refused.param()).isEqualTo("provider.id");
    assertNothingStored();
  }

  @Test
  void aMissingProviderIsRefusedNamingProviderId() {
    assertThat(refusedToCreate(aKey().provider(" ", Map.of())).param()).isEqualTo("provider.id");
  }

  @Test
  void anInvalidProviderConfigIsRefusedNamingTheField() {
    PouchException outOfRange = refusedToCreate(aKey().providerConfig("timeout_seconds", 0L));
    PouchException unknown = refusedToCreate(aKey().providerConfig("region", "mars"));

    assertThat(outOfRange.code()).isEqualTo(ErrorCode.INVALID_CONFIG);
    assertThat(outOfRange.param()).isEqualTo("provider.config.timeout_seconds");
    assertThat(unknown.param()).isEqualTo("provider.config.region");
    assertNothingStored();
  }

  @Test
  void aConfigItsProviderCannotBuildIsRefusedAtCreationAndEditNamingTheField() {
    String lineBreak = "https://upstream.test/v1\n";
    PouchException refused = refusedToCreate(aKey().providerConfig("base_url", lineBreak));

    assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_CONFIG);
    assertThat(refused.param()).isEqualTo("provider.config.base_url");
    assertNothingStored();
    CreatedKey created = pouch.create(aKey().name("before"));
    PouchException onEdit =
        assertRejected(
            () ->
                keys.update(
                    created.view().key().id(),
                    aKey().name("after").providerConfig("base_url", lineBreak).build()),
            ErrorCode.INVALID_CONFIG);
    assertThat(onEdit.param()).isEqualTo("provider.config.base_url");
    assertThat(pouch.stored(created).name()).isEqualTo("before");
  }

  @Test
  void aProviderThatFailsToBuildOtherwiseIsAConfigErrorThatQuotesNothingOfIt() {
    PouchException refused =
        refusedToCreate(
            aKey()
                .providerConfig("api_key", "sk-very-secret")
                .providerConfig("base_url", FakeUpstream.CRASHING_BASE_URL));

    assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_CONFIG);
    assertThat(refused.param()).isEqualTo("provider.config");
    assertThat(refused.getMessage()).doesNotContain("sk-very-secret");
    assertNothingStored();
  }

  @Test
  void anInvalidMiddlewareIsRefusedNamingItsPositionInTheChain() {
    PouchException unknown = refusedToCreate(aKey().middleware("no-such-middleware", Map.of()));
    PouchException missingLabel =
        refusedToCreate(aKey().scripted("first", Action.PASS).middleware("scripted", Map.of()));

    assertThat(unknown.param()).isEqualTo("middlewares[0].id");
    assertThat(missingLabel.param()).isEqualTo("middlewares[1].config.label");
  }

  @Test
  void anInvalidUpdateLeavesTheKeyAsItWas() {
    CreatedKey created = pouch.create(aKey().name("before"));

    assertRejected(
        () ->
            keys.update(
                created.view().key().id(),
                aKey().name("after").providerConfig("timeout_seconds", -1L).build()),
        ErrorCode.INVALID_CONFIG);

    assertThat(pouch.stored(created).name()).isEqualTo("before");
    assertThat(pouch.stored(created).version()).isEqualTo(created.view().key().version());
  }

  @Test
  void anExpiryBefore1970OrAfterYear9999IsRefusedNamingExpiresAt() {
    List<Instant> outOfRange =
        List.of(
            Instant.MAX,
            Instant.MIN,
            Instant.parse("+10000-01-01T00:00:00Z"),
            AppKey.LATEST_EXPIRY.plusNanos(1),
            Instant.EPOCH.minusMillis(1));
    for (Instant expiry : outOfRange) {
      PouchException refused = refusedToCreate(aKey().expiresAt(expiry).autoRenew());

      assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
      assertThat(refused.param()).isEqualTo("expires_at");
    }
    assertNothingStored();
    assertThat(pouch.create(aKey().expiresAt(AppKey.LATEST_EXPIRY)).view().key().expiresAt())
        .isEqualTo(AppKey.LATEST_EXPIRY);
    assertThat(pouch.create(aKey().expiresAt(Instant.EPOCH)).view().status())
        .isEqualTo(KeyStatus.EXPIRED);
  }

  @Test
  void aResetPeriodOverAHundredYearsIsRefusedNamingIt() {
    for (long seconds : new long[] {Long.MAX_VALUE, Budget.MAX_RESET_PERIOD_SECONDS + 1}) {
      PouchException refused = refusedToCreate(aKey().resetEvery(Duration.ofSeconds(seconds)));

      assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
      assertThat(refused.param()).isEqualTo("reset_period_seconds");
    }
    assertNothingStored();
    CreatedKey century =
        pouch.create(aKey().resetEvery(Duration.ofSeconds(Budget.MAX_RESET_PERIOD_SECONDS)));
    assertThat(pouch.budget(century).resetPeriodSeconds())
        .isEqualTo(Budget.MAX_RESET_PERIOD_SECONDS);
  }

  @Test
  void anUpdateWithAnExpiryOrPeriodOutOfBoundsLeavesTheKeyAsItWas() {
    CreatedKey created = pouch.create(aKey().name("before"));
    String id = created.view().key().id();

    assertRejected(
        () -> keys.update(id, aKey().name("after").expiresAt(Instant.MAX).build()),
        ErrorCode.INVALID_REQUEST);
    assertRejected(
        () ->
            keys.update(
                id, aKey().name("after").resetEvery(Duration.ofSeconds(Long.MAX_VALUE)).build()),
        ErrorCode.INVALID_REQUEST);

    assertThat(pouch.stored(created).name()).isEqualTo("before");
    assertThat(pouch.stored(created).version()).isEqualTo(created.view().key().version());
    assertThat(pouch.budget(created).resetPeriodSeconds()).isZero();
  }

  @Test
  void aBudgetResetStartsANewPeriodNow() {
    CreatedKey created = pouch.create(aKey().budget(10_000));
    pouch.chat(created, chat().maxTokens(10));
    long spent = pouch.budget(created).spentMicros();
    pouch.clock.advance(Duration.ofMinutes(5));

    KeyView view = keys.resetBudget(created.view().key().id());

    assertThat(spent).isPositive();
    assertThat(view.budget().spentMicros()).isZero();
    assertThat(view.budget().periodStartedAt()).isEqualTo(pouch.clock.instant());
    assertThat(pouch.store.history())
        .singleElement()
        .satisfies(closed -> assertThat(closed.spentMicros()).isEqualTo(spent));
  }

  @Test
  void aKeyWhoseSpendReachedItsLimitIsShownExhausted() {
    CreatedKey created = pouch.create(aKey().budget(TestPouch.reservationFor(10)));
    pouch.upstream.answer(call -> FakeUpstream.okWithoutUsage());
    pouch.chat(created, chat().maxTokens(10));

    assertThat(keys.get(created.view().key().id()).status()).isEqualTo(KeyStatus.EXHAUSTED);
  }

  @Test
  void keysAreListedOldestFirst() {
    pouch.create(aKey().name("one"));
    pouch.create(aKey().name("two"));

    assertThat(keys.list()).extracting(view -> view.key().name()).containsExactly("one", "two");
  }

  private Map<String, Object> providerConfig(String keyId) {
    return keys.get(keyId).key().policy().provider().config().values();
  }

  private PouchException refusedToCreate(KeyDraftBuilder draft) {
    PouchException refused = catchThrowableOfType(PouchException.class, () -> pouch.create(draft));
    assertThat(refused)
        .as("creating the key should fail")
        .isInstanceOf(RequestRejectedException.class);
    return refused;
  }

  private void assertNothingStored() {
    assertThat(pouch.store.list()).isEmpty();
    assertThat(pouch.store.findAll()).isEmpty();
  }

  private static String sha256Hex(String text) throws Exception {
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    return HexFormat.of().formatHex(sha256.digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
