package dev.pouch.application.proxy;

import dev.pouch.application.PouchSettings;
import dev.pouch.application.keys.KeyChangeRelay;
import dev.pouch.application.keys.KeySecrets;
import dev.pouch.application.keys.VerifiedKeyCache;
import dev.pouch.application.port.in.HeldBudget;
import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.application.port.in.RequestMeta;
import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.KeyChange.Effect;
import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.application.port.out.ProxyEvents;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.application.port.out.StoredResponses;
import dev.pouch.application.port.out.TeamRepository;
import dev.pouch.application.port.out.WebhookSender;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.BudgetLayer;
import dev.pouch.domain.budget.EndUser;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.RequestContext;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.PouchException;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Operations;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.team.Team;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The OpenAI-compatible proxy flow (DESIGN §3). */
public final class ProxyService implements ProxyChat {
  private static final Logger log = LoggerFactory.getLogger(ProxyService.class);
  private static final String BEARER = "Bearer ";

  /** What an upstream's response id looks like; anything else is not one Pouch recorded. */
  private static final Pattern RESPONSE_ID = Pattern.compile("[A-Za-z0-9_-]{1,200}");

  private final KeyRepository keys;
  private final BudgetLedger ledger;
  private final TeamRepository teams;
  private final VerifiedKeyCache cache;
  private final KeyChangeRelay changes;
  private final KeyRuntimes runtimes;
  private final PouchSettings settings;
  private final BiConsumer<String, String> suspender;
  private final WebhookSender webhooks;
  private final Clock clock;
  private final ProxyEvents events;
  private final RequestLog requestLog;
  private final RequestIds ids;
  private final Continuations continuations;

  public ProxyService(
      KeyRepository keys,
      BudgetLedger ledger,
      TeamRepository teams,
      VerifiedKeyCache cache,
      KeyChangeRelay changes,
      KeyRuntimes runtimes,
      PouchSettings settings,
      BiConsumer<String, String> suspender,
      WebhookSender webhooks,
      Clock clock,
      ProxyEvents events,
      RequestLog requestLog,
      StoredResponses storedResponses) {
    this.keys = keys;
    this.ledger = ledger;
    this.teams = teams;
    this.cache = cache;
    this.changes = changes;
    this.runtimes = runtimes;
    this.settings = settings;
    this.suspender = suspender;
    this.webhooks = webhooks;
    this.clock = clock;
    this.events = events;
    this.requestLog = requestLog;
    this.ids = new RequestIds(clock);
    this.continuations = new Continuations(storedResponses);
  }

  @Override
  public AppKey authenticate(String authorizationHeader) {
    if (authorizationHeader == null
        || !authorizationHeader.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw invalidKey("Missing app key: send 'Authorization: Bearer pa-…'.");
    }
    String secret = authorizationHeader.substring(BEARER.length()).strip();
    if (!secret.startsWith(KeySecrets.SECRET_PREFIX) || secret.length() > 200) {
      throw invalidKey("Incorrect app key provided.");
    }
    return cache
        .get(KeySecrets.hash(secret), keys::findBySecretHash)
        .orElseThrow(() -> invalidKey("Incorrect app key provided."));
  }

  @Override
  public String newRequestId() {
    return ids.next();
  }

  @Override
  public ProxyResponse serve(String api, AppKey key, Map<String, Object> body, RequestMeta meta) {
    Instant now = clock.instant();
    ReservingTerminal terminal = null; // built once the live key's runtime is known
    EndUser endUser = null;
    ProxyResponse response;
    try {
      refuseUnusable(key, now);
      // Validate before renewing: a malformed request must not restart anyone's budget period.
      Operation request = Operations.parse(api, body, meta.apiHeaders());
      endUser = EndUsers.named(key, api, body, meta.endUserHeader());
      BudgetSnapshot budget =
          new BudgetSnapshot(ledger, key.id(), key.teamId(), this::teamName, endUser, now);
      AppKey live = renewIfExpired(key, now);
      startPeriodIfElapsed(now, budget);
      KeyRuntime runtime = runtimes.forKey(live);
      terminal =
          new ReservingTerminal(
              ledger,
              clock,
              settings,
              runtime,
              events,
              meta.clientRequestId(),
              budget,
              continuations);
      response = runChain(request, live, meta, now, runtime, terminal);
    } catch (PouchException failure) {
      // refused, or failed upstream after its settlement: answered in the route's error shape
      response = ProxyResponse.refused(failure.refusal());
    }
    if (response instanceof ProxyResponse.Refused refused
        && (terminal == null || !terminal.reserved())
        && isPolicy(refused.refusal())) {
      logRefusal(key, body, meta, now, refused.refusal(), endUser == null ? null : endUser.id());
    }
    return response;
  }

  /** Refuses a key that is expired without renewal, or suspended. */
  private static void refuseUnusable(AppKey key, Instant now) {
    if (key.isExpiredAt(now) && !key.autoRenew()) {
      throw new RequestRejectedException(ErrorCode.KEY_EXPIRED, "This app key has expired.");
    }
    if (key.isSuspended()) {
      throw new RequestRejectedException(
          ErrorCode.KEY_SUSPENDED,
          "This app key is suspended ("
              + key.suspension().reason()
              + "); an admin must resume it.");
    }
  }

  /** The key's middlewares, then the terminal; a stream the chain did not pass on is closed. */
  private ProxyResponse runChain(
      Operation request,
      AppKey live,
      RequestMeta meta,
      Instant now,
      KeyRuntime runtime,
      ReservingTerminal terminal) {
    RequestContext context =
        new RequestContext(
            meta.requestId(),
            live,
            now,
            new HostKeyControl(live.id(), ledger, suspender, webhooks));
    context.observe(meta.observer());
    ProxyResponse response;
    try {
      response =
          new RealChain(runtime.middlewares(), 0, request, context, terminal).proceed(request);
    } catch (RuntimeException failure) {
      terminal.abandonUnless(null);
      throw failure;
    }
    terminal.abandonUnless(response);
    return response;
  }

  /**
   * Whether a refusal is a decision of Pouch's on a well-formed request (expired, suspended, not
   * allowed, rate-limited, over budget, unpriced), which gets a row; a malformed request does not:
   * the client's bug, which hostile input could repeat without end.
   */
  private static boolean isPolicy(Refusal refusal) {
    return refusal.code() != ErrorCode.INVALID_REQUEST
        && refusal.code() != ErrorCode.REQUEST_TOO_LARGE;
  }

  /**
   * The request-log row of a request refused before it reserved anything (one row per request that
   * names a key): no tokens, no charge, its status and error code.
   */
  private void logRefusal(
      AppKey key,
      Map<String, Object> body,
      RequestMeta meta,
      Instant receivedAt,
      Refusal refusal,
      String endUserId) {
    Object model = body.get("model");
    RequestRecord row =
        new RequestRecord(
            meta.requestId(),
            key.id(),
            model instanceof String name ? name : "",
            receivedAt,
            refusal.status(),
            Boolean.TRUE.equals(body.get("stream")),
            0,
            0,
            0,
            0,
            0,
            null,
            0,
            Math.max(0, Duration.between(receivedAt, clock.instant()).toMillis()),
            refusal.code().wireCode(),
            null,
            meta.clientRequestId(),
            endUserId);
    try {
      requestLog.append(row);
    } catch (RuntimeException storeFailure) {
      // The refusal itself stands; only its row is missing.
      log.atError()
          .setCause(storeFailure)
          .addKeyValue("request_id", meta.requestId())
          .log("could not record a refused request");
    }
  }

  @Override
  public ProxyResponse serve(
      String api,
      String authorizationHeader,
      Supplier<Map<String, Object>> body,
      String clientRequestId) {
    RequestMeta meta = new RequestMeta(newRequestId(), clientRequestId, RequestMeta.NOBODY);
    ProxyResponse response;
    try {
      response = serve(api, authenticate(authorizationHeader), body.get(), meta);
    } catch (PouchException refused) {
      response = ProxyResponse.refused(refused.refusal());
    }
    if (response instanceof ProxyResponse.Refused refused) {
      response = ErrorResponses.response(refused.refusal());
    }
    return response.withHeader(REQUEST_ID_HEADER, meta.requestId());
  }

  @Override
  public ProxyResponse storedResponse(
      AppKey key, String method, String responseId, String action, String query) {
    try {
      refuseUnusable(key, clock.instant());
      if (!RESPONSE_ID.matcher(responseId).matches()
          || !continuations.servedTo(responseId, key.id())) {
        return ProxyResponse.refused(
            Refusal.of(
                ErrorCode.NOT_FOUND,
                "No response with id '"
                    + (responseId.length() > 100 ? responseId.substring(0, 100) : responseId)
                    + "' was made with this key through Pouch.",
                null));
      }
      String path = "responses/" + responseId + (action.isEmpty() ? "" : "/" + action);
      Optional<ProviderResponse.Complete> answer =
          runtimes.forKey(key).provider().relay(method, path, query);
      if (answer.isEmpty()) {
        return ProxyResponse.refused(
            Refusal.of(
                ErrorCode.UNSUPPORTED_OPERATION,
                "This key's provider does not serve stored responses."));
      }
      ProviderResponse.Complete relayed = answer.get();
      if ("DELETE".equals(method) && relayed.status() >= 200 && relayed.status() < 300) {
        continuations.forget(responseId);
      }
      return new ProxyResponse.Complete(relayed.status(), relayed.headers(), relayed.body());
    } catch (PouchException failure) {
      return ProxyResponse.refused(failure.refusal());
    }
  }

  @Override
  public ProxyResponse countTokens(
      AppKey key, Map<String, Object> body, Map<String, String> apiHeaders) {
    try {
      refuseUnusable(key, clock.instant());
      Object model = body.get("model");
      if (!(model instanceof String name) || name.isBlank()) {
        return ProxyResponse.refused(
            Refusal.of(ErrorCode.INVALID_REQUEST, "model is required.", "model"));
      }
      if (!key.policy().allowsModel(name)) {
        return ProxyResponse.refused(Quoting.modelNotAllowed(name));
      }
      Optional<ProviderResponse.Complete> answer =
          runtimes.forKey(key).provider().countTokens(body, apiHeaders);
      if (answer.isEmpty()) {
        return ProxyResponse.refused(
            Refusal.of(
                ErrorCode.UNSUPPORTED_OPERATION, "This key's provider does not count tokens."));
      }
      ProviderResponse.Complete counted = answer.get();
      return new ProxyResponse.Complete(counted.status(), counted.headers(), counted.body());
    } catch (PouchException failure) {
      return ProxyResponse.refused(failure.refusal());
    }
  }

  /**
   * The key's allowed models (on a key with a budget, only those its provider prices: the others
   * would be refused), else what its provider lists.
   */
  @Override
  public List<String> models(AppKey key) {
    Provider provider = runtimes.forKey(key).provider();
    List<String> allowed = key.policy().allowedModels();
    if (allowed.isEmpty()) {
      return provider.models().stream().map(ModelInfo::id).toList();
    }
    if (new BudgetSnapshot(ledger, key.id(), key.teamId(), this::teamName).get().isUnlimited()) {
      return allowed;
    }
    return allowed.stream()
        .filter(id -> provider.model(id).map(model -> model.price() != null).orElse(false))
        .toList();
  }

  @Override
  public List<HeldBudget> budgets(AppKey key, String endUserId) {
    Instant now = clock.instant();
    EndUser endUser = EndUsers.asked(key, endUserId);
    BudgetSnapshot snapshot =
        new BudgetSnapshot(ledger, key.id(), key.teamId(), this::teamName, endUser, now);
    List<HeldBudget> held = new ArrayList<>();
    for (BudgetSnapshot.Layer layer : snapshot.layers()) {
      String owner = layer.id().ownerId();
      String kind =
          owner.equals(key.id()) ? "key" : snapshot.isEndUsers(layer.id()) ? "end_user" : "team";
      String name =
          switch (kind) {
            case "key" -> key.name();
            case "end_user" -> endUser.id();
            default -> teamName(owner);
          };
      held.add(new HeldBudget(kind, name, layer.id().position(), asOf(layer.budget(), now)));
    }
    return held;
  }

  /** A budget whose period is over shows as the next request starts it: a new period, unspent. */
  private static Budget asOf(Budget budget, Instant now) {
    if (!budget.periodElapsedAt(now)) {
      return budget;
    }
    return new Budget(
        budget.limitMicros(),
        0,
        budget.reservedMicros(),
        budget.periodStartAt(now),
        budget.resetPeriodSeconds());
  }

  /**
   * An expired key either renews itself (expiry extended by the budget period or 30 days, budget
   * reset) or is refused. Concurrent renewals happen once: the repository update is optimistic.
   */
  private AppKey renewIfExpired(AppKey key, Instant now) {
    if (!key.isExpiredAt(now)) {
      return key;
    }
    if (!key.autoRenew()) {
      throw new RequestRejectedException(ErrorCode.KEY_EXPIRED, "This app key has expired.");
    }
    Budget budget = ledger.require(key.id());
    Duration renewal =
        budget.resets() ? Duration.ofSeconds(budget.resetPeriodSeconds()) : AppKey.DEFAULT_RENEWAL;
    AppKey renewed = key.withExpiry(key.renewedExpiry(now, renewal));
    if (keys.update(renewed, key.version())) {
      ledger.startPeriod(key.id(), budget.periodStartedAt(), now);
      changes.committed(key.id(), Effect.RELOAD);
      log.atInfo()
          .addKeyValue("key_id", key.id())
          .addKeyValue("expires_at", renewed.expiresAt())
          .log("key renewed; budget period restarted");
      return renewed;
    }
    // Someone else changed the key meanwhile (a renewal or an edit): use the stored one.
    changes.stale(key.id());
    AppKey current = keys.findById(key.id()).orElseThrow(() -> invalidKey("App key revoked."));
    if (current.isExpiredAt(now) && current.autoRenew() && current.version() > key.version()) {
      return renewIfExpired(current, now); // an edit, not a renewal, won the race: renew now
    }
    if (current.isExpiredAt(now)) {
      throw new RequestRejectedException(ErrorCode.KEY_EXPIRED, "This app key has expired.");
    }
    return current;
  }

  /**
   * Starts a new period of every layer whose last one elapsed (each by its own compare-and-set, so
   * concurrent requests reset it once); the request's snapshot follows.
   */
  private void startPeriodIfElapsed(Instant now, BudgetSnapshot snapshot) {
    boolean elapsed = false;
    for (BudgetSnapshot.Layer layer : snapshot.layers()) {
      Budget budget = layer.budget();
      if (!budget.periodElapsedAt(now)) {
        continue;
      }
      elapsed = true;
      BudgetLayer id = layer.id();
      if (ledger.startPeriod(
          id.ownerId(), id.position(), budget.periodStartedAt(), budget.periodStartAt(now))) {
        log.atInfo()
            .addKeyValue("owner", EndUser.loggable(id.ownerId()))
            .addKeyValue("position", id.position())
            .log("budget period reset");
      }
    }
    if (elapsed) {
      snapshot.refresh(); // started here or by a concurrent request
    }
  }

  /** A team's name for a refusal message (its id if it was deleted meanwhile). */
  private String teamName(String teamId) {
    return teams.findTeam(teamId).map(Team::name).orElse(teamId);
  }

  private static RequestRejectedException invalidKey(String message) {
    return new RequestRejectedException(ErrorCode.INVALID_API_KEY, message);
  }
}
