package dev.pouch.application.keys;

import dev.pouch.application.plugins.PluginCatalog;
import dev.pouch.application.plugins.PluginRegistry;
import dev.pouch.application.plugins.SecretFields;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.application.port.in.EndUserView;
import dev.pouch.application.port.in.KeyDraft;
import dev.pouch.application.port.in.KeyView;
import dev.pouch.application.port.in.ManageKeys;
import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.KeyChange.Effect;
import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.application.port.out.TeamRepository;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.EndUser;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.InternalException;
import dev.pouch.domain.error.PouchException;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.Fallback;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.KeyStatus;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.key.Suspension;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderFactory;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Key management on top of the key repository and the ledger. */
public final class KeyService implements ManageKeys {
  /** What secret config values look like in key views; sent back unchanged, it keeps the value. */
  public static final String SECRET_MASK = "********";

  private static final Logger log = LoggerFactory.getLogger(KeyService.class);
  private static final String MOCK_PROVIDER = "mock";
  private static final String MOCK_OVERRIDE = "mock_override";
  private static final Set<String> POLICY_FIELDS =
      Set.of("provider", "middlewares", "allowed_models");

  private final KeyRepository keys;
  private final BudgetLedger ledger;
  private final TeamRepository teams;
  private final PluginCatalog catalog;
  private final KeySecrets secrets;
  private final SecretFields sealing;
  private final KeyChangeRelay changes;
  private final Clock clock;

  /**
   * @param sealing seals secret config values before they are stored
   * @param changes told every committed change to a key, so that this instance and the others
   *     forget the cached key and, when its policy changed, its plugin instances
   */
  public KeyService(
      KeyRepository keys,
      BudgetLedger ledger,
      TeamRepository teams,
      PluginCatalog catalog,
      KeySecrets secrets,
      SecretFields sealing,
      KeyChangeRelay changes,
      Clock clock) {
    this.keys = keys;
    this.ledger = ledger;
    this.teams = teams;
    this.catalog = catalog;
    this.secrets = secrets;
    this.sealing = sealing;
    this.changes = changes;
    this.clock = clock;
  }

  @Override
  public CreatedKey create(KeyDraft draft) {
    KeyPolicy policy = policyOf(draft, null);
    requireTeam(draft.teamId());
    // Stores keep milliseconds: truncate so the view returned now equals the one read later.
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    String secret = secrets.newSecret();
    AppKey key =
        new AppKey(
            secrets.newKeyId(),
            draft.name(),
            KeySecrets.visiblePrefix(secret),
            KeySecrets.hash(secret),
            now,
            draft.expiresAt(),
            draft.autoRenew(),
            policy,
            1,
            null,
            draft.teamId());
    // Budget first: a crash in between leaves an unused budget row, never a key without budget.
    ledger.open(key.id(), draft.budgets(), now);
    keys.insert(key);
    log.atInfo()
        .addKeyValue("key_id", key.id())
        .addKeyValue("prefix", key.prefix())
        .addKeyValue("provider", policy.provider().id())
        .log("key created");
    return new CreatedKey(secret, view(key));
  }

  @Override
  public List<KeyView> list() {
    Map<String, List<Budget>> budgets = ledger.findAllBudgets();
    List<KeyView> views = new ArrayList<>();
    for (AppKey key : keys.list()) {
      List<Budget> budget = budgets.get(key.id());
      if (budget != null) {
        views.add(view(key, budget));
      }
    }
    return views;
  }

  @Override
  public KeyView get(String keyId) {
    return view(requireKey(keyId));
  }

  @Override
  public KeyView update(String keyId, KeyDraft draft) {
    AppKey current = requireKey(keyId);
    KeyPolicy policy = policyOf(draft, current.policy());
    requireTeam(draft.teamId());
    AppKey edited = current.edited(draft.name(), draft.expiresAt(), draft.autoRenew(), policy);
    if (!Objects.equals(draft.teamId(), current.teamId())) {
      edited = edited.withTeam(draft.teamId());
    }
    if (!keys.update(edited, current.version())) {
      throw new RequestRejectedException(
          ErrorCode.INVALID_REQUEST, "key " + keyId + " was changed meanwhile; try again");
    }
    ledger.configure(keyId, draft.budgets(), clock.instant());
    List<BudgetTerms> endUserTerms = endUserTerms(policy);
    if (!endUserTerms.equals(endUserTerms(current.policy()))) {
      // by position, like the key's own: spend kept, a lowered limit refuses new requests only
      ledger.configureEndUsers(keyId, endUserTerms, clock.instant());
    }
    // Plugin instances live as long as their configuration: a rename keeps a limiter's state.
    changes.committed(keyId, policy.equals(current.policy()) ? Effect.RELOAD : Effect.RESTART);
    log.atInfo()
        .addKeyValue("key_id", keyId)
        .addKeyValue("version", edited.version())
        .log("key updated");
    return view(edited);
  }

  @Override
  public void check(KeyDraft draft) {
    policyOf(draft, null);
  }

  @Override
  public List<String> changes(String keyId, KeyDraft draft) {
    AppKey current = requireKey(keyId);
    KeyPolicy was = current.policy();
    KeyPolicy policy = policyOf(draft, was);
    List<String> changed = new ArrayList<>();
    if (!Objects.equals(draft.name(), current.name())) {
      changed.add("name");
    }
    if (!policy.provider().equals(was.provider())) {
      changed.add("provider");
    }
    if (!policy.middlewares().equals(was.middlewares())) {
      changed.add("middlewares");
    }
    if (!policy.allowedModels().equals(was.allowedModels())) {
      changed.add("allowed_models");
    }
    if (changed.stream().noneMatch(POLICY_FIELDS::contains) && !policy.equals(was)) {
      changed.add("policy"); // a part of the policy this method does not name
    }
    if (!draft.budgets().equals(ledger.budgets(keyId).stream().map(BudgetTerms::of).toList())) {
      changed.add("budgets");
    }
    if (!Objects.equals(draft.teamId(), current.teamId())) {
      changed.add("team_id");
    }
    if (!Objects.equals(draft.expiresAt(), current.expiresAt())) {
      changed.add("expires_at");
    }
    if (draft.autoRenew() != current.autoRenew()) {
      changed.add("auto_renew");
    }
    return changed;
  }

  @Override
  public void delete(String keyId) {
    if (!keys.delete(keyId)) {
      throw notFound(keyId);
    }
    changes.committed(keyId, Effect.RESTART);
    log.atInfo().addKeyValue("key_id", keyId).log("key revoked");
  }

  @Override
  public KeyView resetBudget(String keyId) {
    AppKey key = requireKey(keyId);
    Instant now = clock.instant();
    List<Budget> budgets = ledger.budgets(keyId);
    for (int position = 0; position < budgets.size(); position++) {
      ledger.startPeriod(keyId, position, budgets.get(position).periodStartedAt(), now);
    }
    log.atInfo().addKeyValue("key_id", keyId).log("budgets reset by admin");
    return view(key);
  }

  @Override
  public KeyView suspend(String keyId, String reason) {
    AppKey key = changeSuspension(keyId, new Suspension(clock.instant(), reason));
    return view(key);
  }

  @Override
  public KeyView resume(String keyId) {
    AppKey key = changeSuspension(keyId, null);
    // Fresh middleware instances: a spend guard must not trip again on the spend that tripped it.
    changes.committed(keyId, Effect.RESTART);
    log.atInfo().addKeyValue("key_id", keyId).log("key resumed");
    return view(key);
  }

  /**
   * Sets or clears a key's suspension, retrying when an edit or renewal raced it. Setting keeps an
   * existing suspension (the first reason is the useful one).
   */
  AppKey changeSuspension(String keyId, Suspension suspension) {
    for (int attempt = 0; ; attempt++) {
      AppKey current = requireKey(keyId);
      if (suspension != null ? current.isSuspended() : !current.isSuspended()) {
        return current;
      }
      AppKey changed = current.withSuspension(suspension);
      if (keys.update(changed, current.version())) {
        changes.committed(keyId, Effect.RELOAD);
        if (suspension != null) {
          log.atWarn()
              .addKeyValue("key_id", keyId)
              .addKeyValue("reason", suspension.reason())
              .log("key suspended");
        }
        return changed;
      }
      if (attempt >= 10) {
        throw new RequestRejectedException(
            ErrorCode.INVALID_REQUEST, "key " + keyId + " keeps changing; try again");
      }
    }
  }

  /** The status of a key at {@code now}: exhausted when any of its budgets is. */
  public static KeyStatus statusOf(AppKey key, List<Budget> budgets, Instant now) {
    if (key.isSuspended()) {
      return KeyStatus.SUSPENDED;
    }
    if (key.isExpiredAt(now) && !key.autoRenew()) {
      return KeyStatus.EXPIRED;
    }
    for (Budget budget : budgets) {
      if (!budget.isUnlimited() && budget.spentMicros() >= budget.limitMicros()) {
        return KeyStatus.EXHAUSTED;
      }
    }
    return KeyStatus.ACTIVE;
  }

  private KeyView view(AppKey key) {
    List<Budget> budgets = ledger.budgets(key.id());
    if (budgets.isEmpty()) {
      throw new InternalException("key " + key.id() + " has no budget row", null);
    }
    return view(key, budgets);
  }

  private KeyView view(AppKey key, List<Budget> budgets) {
    KeyPolicy policy = key.policy();
    boolean simulated =
        policy.provider().id().equals(MOCK_PROVIDER)
            || policy.middlewares().stream().anyMatch(m -> m.id().equals(MOCK_OVERRIDE));
    return new KeyView(key, budgets, statusOf(key, budgets, clock.instant()), simulated);
  }

  /** The terms each end user of a key gets; none when the key does not tell end users apart. */
  private static List<BudgetTerms> endUserTerms(KeyPolicy policy) {
    return policy.endUser() == null ? List.of() : policy.endUser().budgets();
  }

  @Override
  public List<EndUserView> endUsers(String keyId, String after, int limit) {
    requireKey(keyId);
    List<EndUserView> page = new ArrayList<>();
    ledger
        .endUsers(keyId, after, limit)
        .forEach((id, budgets) -> page.add(new EndUserView(id, budgets)));
    return page;
  }

  @Override
  public Optional<EndUserView> endUser(String keyId, String endUserId) {
    requireKey(keyId);
    if (EndUser.checkId(endUserId) != null) {
      return Optional.empty();
    }
    List<Budget> budgets = ledger.budgets(EndUser.ownerId(keyId, endUserId));
    return budgets.isEmpty() ? Optional.empty() : Optional.of(new EndUserView(endUserId, budgets));
  }

  private KeyPolicy policyOf(KeyDraft draft, KeyPolicy previous) {
    Map<String, Object> providerConfig = new LinkedHashMap<>(draft.providerConfig());
    Map<String, String> kept = Map.of();
    if (previous != null && previous.provider().id().equals(draft.providerId())) {
      kept = keepStoredSecrets(catalog.providers(), previous.provider(), providerConfig);
    }
    PluginRef validated = catalog.provider(draft.providerId(), providerConfig, "provider");
    requireBuildable(validated, "provider");
    PluginRef provider = sealing.seal(catalog.providers(), validated, kept);
    List<Fallback> fallbacks = new ArrayList<>();
    for (int i = 0; i < draft.fallbacks().size(); i++) {
      fallbacks.add(fallbackOf(draft.fallbacks().get(i), i, previous));
    }
    List<PluginRef> middlewares = new ArrayList<>();
    for (int i = 0; i < draft.middlewares().size(); i++) {
      KeyDraft.MiddlewareDraft middleware = draft.middlewares().get(i);
      Map<String, Object> config =
          new LinkedHashMap<>(middleware.config() == null ? Map.of() : middleware.config());
      Map<String, String> keptHere = Map.of();
      if (previous != null
          && i < previous.middlewares().size()
          && previous.middlewares().get(i).id().equals(middleware.id())) {
        keptHere = keepStoredSecrets(catalog.middlewares(), previous.middlewares().get(i), config);
      }
      middlewares.add(
          sealing.seal(
              catalog.middlewares(),
              catalog.middleware(middleware.id(), config, "middlewares[" + i + "]"),
              keptHere));
    }
    return new KeyPolicy(provider, fallbacks, middlewares, draft.allowedModels(), draft.endUser());
  }

  /**
   * A fallback validated, built once and sealed like the provider; its stored secrets are kept when
   * the previous policy had the same provider at the same position.
   */
  private Fallback fallbackOf(KeyDraft.FallbackDraft draft, int position, KeyPolicy previous) {
    String field = "fallbacks[" + position + "]";
    Map<String, Object> config = new LinkedHashMap<>(draft.config());
    Map<String, String> kept = Map.of();
    if (previous != null
        && position < previous.fallbacks().size()
        && previous.fallbacks().get(position).provider().id().equals(draft.providerId())) {
      kept =
          keepStoredSecrets(
              catalog.providers(), previous.fallbacks().get(position).provider(), config);
    }
    PluginRef validated = catalog.provider(draft.providerId(), config, field);
    requireBuildable(validated, field);
    return new Fallback(sealing.seal(catalog.providers(), validated, kept), draft.model());
  }

  /**
   * Builds the provider of a validated config once and closes it, so the checks its factory makes
   * beyond the schema (the {@code openai} provider refuses header values OkHttp would refuse) turn
   * a bad config away now, with a 400 naming the field, instead of failing every request of the
   * key. The same code runs when the key's runtime is built, so a key stored before a check existed
   * gets the same 400 on its requests.
   */
  private void requireBuildable(PluginRef provider, String field) {
    ProviderFactory factory = catalog.providers().find(provider.id()).orElseThrow();
    Provider built;
    try {
      built = factory.create(provider.config());
    } catch (PouchException refused) {
      throw refused;
    } catch (RuntimeException failed) {
      // Neither logged nor answered with its message: a factory's exception may quote a secret.
      log.atWarn()
          .addKeyValue("provider", provider.id())
          .addKeyValue("exception", failed.getClass().getName())
          .log("a provider could not be built from a config its schema accepts");
      throw RequestRejectedException.invalidConfig(
          field + ".config", "provider '" + provider.id() + "' cannot be built from this config");
    }
    built.close();
  }

  /**
   * Puts back, as plaintext, the stored secrets the admin sent masked or left out (so validation
   * sees real values), and returns the sealed stored form of every stored secret by field name.
   */
  private Map<String, String> keepStoredSecrets(
      PluginRegistry<?> registry, PluginRef stored, Map<String, Object> incoming) {
    Map<String, String> kept = new LinkedHashMap<>();
    for (String name : SecretFields.secretNames(registry, stored.id())) {
      if (!stored.config().has(name)) {
        continue;
      }
      Object sent = incoming.get(name);
      String storedValue = stored.config().string(name, null);
      if (sent == null || SECRET_MASK.equals(sent)) {
        incoming.put(name, sealing.open(storedValue));
      }
      // Also when sent again in plaintext: sealing keeps the stored value if it is the same secret.
      kept.put(name, storedValue);
    }
    return kept;
  }

  /**
   * Seals the secret config values that are still stored in plaintext (keys stored before secrets
   * were encrypted) and checks that every sealed one opens with the current master key.
   *
   * @return how many keys were rewritten
   * @throws IllegalStateException when a stored secret cannot be opened (wrong master key)
   */
  public int sealStoredSecrets() {
    int rewritten = 0;
    for (AppKey key : keys.list()) {
      KeyPolicy policy = key.policy();
      PluginRef provider = sealing.sealLegacy(catalog.providers(), policy.provider());
      List<Fallback> fallbacks = new ArrayList<>();
      for (Fallback fallback : policy.fallbacks()) {
        fallbacks.add(
            new Fallback(
                sealing.sealLegacy(catalog.providers(), fallback.provider()), fallback.model()));
      }
      List<PluginRef> middlewares = new ArrayList<>();
      for (PluginRef middleware : policy.middlewares()) {
        middlewares.add(sealing.sealLegacy(catalog.middlewares(), middleware));
      }
      KeyPolicy sealed = new KeyPolicy(provider, fallbacks, middlewares, policy.allowedModels());
      if (sealed.equals(policy)) {
        continue;
      }
      AppKey edited = key.edited(key.name(), key.expiresAt(), key.autoRenew(), sealed);
      if (keys.update(edited, key.version())) {
        changes.committed(key.id(), Effect.RESTART);
        rewritten++;
      }
    }
    if (rewritten > 0) {
      log.atInfo().addKeyValue("keys", rewritten).log("sealed plaintext secrets of stored keys");
    }
    return rewritten;
  }

  /** A key may name only a team that exists: its requests would otherwise pay no team budget. */
  private void requireTeam(String teamId) {
    if (teamId != null && teams.findTeam(teamId).isEmpty()) {
      throw RequestRejectedException.invalidRequest("team_id", "no team with id '" + teamId + "'");
    }
  }

  private AppKey requireKey(String keyId) {
    return keys.findById(keyId).orElseThrow(() -> notFound(keyId));
  }

  private static RequestRejectedException notFound(String keyId) {
    return new RequestRejectedException(ErrorCode.NOT_FOUND, "no key with id '" + keyId + "'");
  }
}
