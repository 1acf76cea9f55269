package dev.pouch.application;

import dev.pouch.application.billing.BillReconciler;
import dev.pouch.application.keys.KeyChangeRelay;
import dev.pouch.application.keys.KeySecrets;
import dev.pouch.application.keys.KeyService;
import dev.pouch.application.keys.VerifiedKeyCache;
import dev.pouch.application.limits.LocalLimitCounters;
import dev.pouch.application.plugins.PluginCatalog;
import dev.pouch.application.plugins.SecretFields;
import dev.pouch.application.port.in.DriftThreshold;
import dev.pouch.application.port.in.ManageKeys;
import dev.pouch.application.port.in.ManageTeams;
import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.application.port.in.ReconcileBills;
import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.KeyChanges;
import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.application.port.out.ProxyEvents;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.application.port.out.SecretSealer;
import dev.pouch.application.port.out.StoredResponses;
import dev.pouch.application.port.out.TeamRepository;
import dev.pouch.application.port.out.WebhookSender;
import dev.pouch.application.proxy.KeyRuntimes;
import dev.pouch.application.proxy.ProxyService;
import dev.pouch.application.retention.RequestLogPruner;
import dev.pouch.application.retention.RetentionPolicy;
import dev.pouch.application.teams.NoTeams;
import dev.pouch.application.teams.TeamService;
import dev.pouch.domain.bill.ProviderBill;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.limit.LimitCounters;
import dev.pouch.domain.provider.ProviderFactory;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embeddable core: stores, providers and middlewares wired explicitly (no classpath scanning),
 * exposing the use cases. Any HTTP stack can host it; the Javalin server is one such host.
 *
 * <pre>{@code
 * Pouch pouch = Pouch.builder()
 *     .keys(store).ledger(store).teams(store).requestLog(store)
 *     .provider(new MockProviderFactory())
 *     .build();
 * pouch.recoverOpenReservations();
 * }</pre>
 */
public final class Pouch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Pouch.class);

  private final BudgetLedger ledger;
  private final RequestLog requestLog;
  private final PluginCatalog catalog;
  private final KeyRuntimes runtimes;
  private final KeyService keyService;
  private final TeamService teamService;
  private final ProxyService proxy;
  private final WebhookSender webhooks;
  private final Clock clock;
  private final BillReconciler reconciler;

  private Pouch(Builder builder) {
    this.ledger = Objects.requireNonNull(builder.ledger, "ledger");
    this.requestLog = Objects.requireNonNull(builder.requestLog, "requestLog");
    KeyRepository keys = Objects.requireNonNull(builder.keys, "keys");
    this.clock = builder.clock;
    this.catalog = new PluginCatalog(builder.providers, builder.middlewares);
    SecretFields sealing = new SecretFields(builder.sealer);
    this.runtimes = new KeyRuntimes(catalog, sealing, builder.limits);
    VerifiedKeyCache cache =
        builder.keyCache == null
            ? new VerifiedKeyCache(builder.settings.keyCacheSize())
            : new VerifiedKeyCache(builder.keyCache, Integer.MAX_VALUE);
    TeamRepository teams = builder.teams == null ? NoTeams.INSTANCE : builder.teams;
    KeyChangeRelay changes =
        new KeyChangeRelay(cache, runtimes::release, runtimes::releaseAll, builder.keyChanges);
    KeySecrets secrets = new KeySecrets(new SecureRandom());
    this.teamService = new TeamService(teams, keys, ledger, secrets, clock);
    this.keyService =
        new KeyService(keys, ledger, teams, catalog, secrets, sealing, changes, clock);
    this.webhooks = builder.webhooks == null ? Pouch::dropNotice : builder.webhooks;
    this.proxy =
        new ProxyService(
            keys,
            ledger,
            teams,
            cache,
            changes,
            runtimes,
            builder.settings,
            keyService::suspend,
            webhooks,
            clock,
            builder.events,
            requestLog,
            builder.storedResponses);
    this.reconciler = new BillReconciler(builder.bills, requestLog, keys, builder.driftThreshold);
    builder.keyChanges.subscribe(changes); // last: a change heard now finds everything built
  }

  /** Starts the explicit wiring: stores are required, everything else has a default. */
  public static Builder builder() {
    return new Builder();
  }

  /** Admin use cases on keys. */
  public ManageKeys keys() {
    return keyService;
  }

  /** Admin use cases on teams. */
  public ManageTeams teams() {
    return teamService;
  }

  /** The OpenAI-compatible proxy. */
  public ProxyChat proxy() {
    return proxy;
  }

  /** The providers and middlewares this instance knows. */
  public PluginCatalog plugins() {
    return catalog;
  }

  /** The ledger beside the providers' own bills ({@link Builder#bills}). */
  public ReconcileBills reconciliation() {
    return reconciler;
  }

  /** The request log and usage figures. */
  public RequestLog requestLog() {
    return requestLog;
  }

  /**
   * A pruner of the request log on this core's clock: rows older than {@code policy} keeps are
   * deleted in batches when the host runs it (usage and spend totals stay exact). The host
   * schedules it; nothing is pruned unless it does.
   */
  public RequestLogPruner requestLogPruner(RetentionPolicy policy) {
    return new RequestLogPruner(requestLog, clock, policy);
  }

  /**
   * Settles, at their full amount, reservations left open by a crash (DESIGN §3 step 7). Call once
   * at start-up, before serving, and only when no other process is serving from the same store.
   */
  public int recoverOpenReservations() {
    int recovered = ledger.recoverOpenReservations(clock.instant());
    if (recovered > 0) {
      log.atWarn()
          .addKeyValue("reservations", recovered)
          .log("recovered open reservations at their full amount");
    }
    return recovered;
  }

  /**
   * Seals secret config values still stored in plaintext (keys stored before encryption at rest)
   * and checks that every sealed one opens with the configured {@link SecretSealer}. Call once at
   * start-up, before serving.
   *
   * @return how many keys were rewritten
   * @throws IllegalStateException when a stored secret cannot be opened (the wrong master key)
   */
  public int sealStoredSecrets() {
    return keyService.sealStoredSecrets();
  }

  /**
   * Releases what the core holds: the providers and middlewares created for keys (their pools and
   * threads). Streams still being copied settle when their HTTP layer closes them. The stores,
   * factories and a sender given to the builder belong to the caller, who closes them after this.
   */
  @Override
  public void close() {
    runtimes.close();
  }

  /** Without a {@link Builder#webhooks sender}: a notice is logged (host only) and dropped. */
  private static void dropNotice(URI url, String json) {
    log.atWarn()
        .addKeyValue("url_host", url.getHost())
        .log("no webhook sender configured; notice dropped");
  }

  /** Explicit wiring of a {@link Pouch}. */
  public static final class Builder {
    private KeyRepository keys;
    private BudgetLedger ledger;
    private TeamRepository teams;
    private RequestLog requestLog;
    private final List<ProviderFactory> providers = new ArrayList<>();
    private List<ProviderBill> bills = List.of();
    private DriftThreshold driftThreshold = DriftThreshold.DEFAULT;
    private final List<MiddlewareFactory> middlewares = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private PouchSettings settings = PouchSettings.DEFAULTS;
    private java.util.concurrent.ConcurrentMap<String, AppKey> keyCache;
    private WebhookSender webhooks;
    private SecretSealer sealer = SecretSealer.plaintext();
    private ProxyEvents events = ProxyEvents.NONE;
    private StoredResponses storedResponses;
    private KeyChanges keyChanges = KeyChanges.NONE;
    private LimitCounters limits = LocalLimitCounters.INSTANCE;

    private Builder() {}

    /** Required: where app keys are stored. */
    public Builder keys(KeyRepository value) {
      this.keys = value;
      return this;
    }

    /**
     * Required: the budgets and reservations. Its settlements write to the request log, so it is
     * usually the same store object as {@link #requestLog}.
     */
    public Builder ledger(BudgetLedger value) {
      this.ledger = value;
      return this;
    }

    /**
     * Optional: where teams are stored (usually the same store object as {@link #keys}). Without
     * it, no team can be created and no key can name one.
     */
    public Builder teams(TeamRepository value) {
      this.teams = value;
      return this;
    }

    /** Required: the request log (rows of refused requests, usage figures). */
    public Builder requestLog(RequestLog value) {
      this.requestLog = value;
      return this;
    }

    /** Adds a provider; ids must be unique. */
    public Builder provider(ProviderFactory factory) {
      providers.add(Objects.requireNonNull(factory, "factory"));
      return this;
    }

    /** Adds a middleware; ids must be unique. */
    public Builder middleware(MiddlewareFactory factory) {
      middlewares.add(Objects.requireNonNull(factory, "factory"));
      return this;
    }

    /** Adds several providers (ids must be unique). */
    public Builder providers(List<ProviderFactory> factories) {
      factories.forEach(this::provider);
      return this;
    }

    /** Adds several middlewares, for example {@code BuiltinMiddlewares.all()}. */
    public Builder middlewares(List<MiddlewareFactory> factories) {
      factories.forEach(this::middleware);
      return this;
    }

    /** The clock of budget periods, expiries and the log; the system UTC clock by default. */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /**
     * Where verified keys are kept, for a host that has a better map than the default (bounded and
     * expiring, such as Caffeine's {@code asMap()}); it must bound itself, as {@link
     * PouchSettings#keyCacheSize} then does not apply.
     */
    public Builder keyCache(java.util.concurrent.ConcurrentMap<String, AppKey> value) {
      this.keyCache = Objects.requireNonNull(value, "keyCache");
      return this;
    }

    /** Tunables of the core; {@link PouchSettings#DEFAULTS} by default. */
    public Builder settings(PouchSettings value) {
      this.settings = Objects.requireNonNull(value, "settings");
      return this;
    }

    /**
     * Where middlewares' webhook notices go (spend guard trips, budget alerts), for example {@code
     * JdkWebhookSender} from {@code pouch-adapters-webhook}. It belongs to the caller, who closes
     * it after the {@link Pouch}. Without one, notices are logged at WARN and dropped.
     */
    public Builder webhooks(WebhookSender value) {
      this.webhooks = Objects.requireNonNull(value, "webhooks");
      return this;
    }

    /**
     * How secret plugin config values (upstream API keys) are sealed at rest. Defaults to {@link
     * SecretSealer#plaintext()}; the Pouch server sets an AES-256-GCM sealer.
     */
    public Builder secrets(SecretSealer value) {
      this.sealer = Objects.requireNonNull(value, "sealer");
      return this;
    }

    /**
     * Where the Responses API answers Pouch served are recorded with their context, so that a key
     * with a budget may continue them ({@code previous_response_id}, bounded by that context).
     * Without one, such requests are refused on a key with a budget.
     */
    public Builder storedResponses(StoredResponses value) {
      this.storedResponses = Objects.requireNonNull(value, "storedResponses");
      return this;
    }

    /**
     * The providers' own bills that {@link Pouch#reconciliation()} reads, one per provider id, in
     * the order its answer lists them; none by default.
     */
    public Builder bills(List<ProviderBill> value) {
      this.bills = List.copyOf(value);
      return this;
    }

    /** When {@link Pouch#reconciliation()} flags a drift; {@link DriftThreshold#DEFAULT} else. */
    public Builder driftThreshold(DriftThreshold value) {
      this.driftThreshold = Objects.requireNonNull(value, "driftThreshold");
      return this;
    }

    /**
     * How key changes reach the other instances that share the store, and theirs this one (for
     * example {@code PostgresStore.keyChanges()}); the core subscribes to it when built. It belongs
     * to the caller, who closes it after the {@link Pouch}. {@link KeyChanges#NONE} by default: one
     * instance alone on its store.
     */
    public Builder keyChanges(KeyChanges value) {
      this.keyChanges = Objects.requireNonNull(value, "keyChanges");
      return this;
    }

    /**
     * Where rate, token-rate and concurrency limits count: in this process by default ({@link
     * LocalLimitCounters}: each instance on its own), or a store every instance shares, such as
     * {@code RedisLimitCounters} from {@code pouch-adapters-redis}. It belongs to the caller.
     */
    public Builder limits(LimitCounters value) {
      this.limits = Objects.requireNonNull(value, "limits");
      return this;
    }

    /** An observer of reservations and upstream calls (metrics); none by default. */
    public Builder events(ProxyEvents value) {
      this.events = Objects.requireNonNull(value, "events");
      return this;
    }

    /**
     * The configured core. Call {@link Pouch#recoverOpenReservations()} once before serving.
     *
     * @throws NullPointerException when a store is missing
     * @throws IllegalArgumentException when two plugins share an id
     */
    public Pouch build() {
      return new Pouch(this);
    }
  }
}
