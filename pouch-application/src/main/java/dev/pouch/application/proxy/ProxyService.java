package dev.pouch.application.proxy;

import dev.pouch.application.PouchSettings;
import dev.pouch.application.keys.KeySecrets;
import dev.pouch.application.keys.VerifiedKeyCache;
import dev.pouch.application.port.in.ProxyChat;
import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.application.port.out.ProxyEvents;
import dev.pouch.application.port.out.WebhookSender;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.RequestContext;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.PouchException;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.ModelInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The OpenAI-compatible proxy flow (DESIGN §3). */
public final class ProxyService implements ProxyChat {
  private static final Logger log = LoggerFactory.getLogger(ProxyService.class);
  private static final String BEARER = "Bearer ";

  private final KeyRepository keys;
  private final BudgetLedger ledger;
  private final VerifiedKeyCache cache;
  private final KeyRuntimes runtimes;
  private final PouchSettings settings;
  private final BiConsumer<String, String> suspender;
  private final WebhookSender webhooks;
  private final Clock clock;
  private final ProxyEvents events;

  public ProxyService(
      KeyRepository keys,
      BudgetLedger ledger,
      VerifiedKeyCache cache,
      KeyRuntimes runtimes,
      PouchSettings settings,
      BiConsumer<String, String> suspender,
      WebhookSender webhooks,
      Clock clock,
      ProxyEvents events) {
    this.keys = keys;
    this.ledger = ledger;
    this.cache = cache;
    this.runtimes = runtimes;
    this.settings = settings;
    this.suspender = suspender;
    this.webhooks = webhooks;
    this.clock = clock;
    this.events = events;
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
  public ProxyResponse chatCompletions(AppKey key, Map<String, Object> body) {
    Instant now = clock.instant();
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
    // Validate before renewing: a malformed request must not restart anyone's budget period.
    ChatRequest request = ChatRequest.of(body);
    AppKey live = renewIfExpired(key, now);
    startPeriodIfElapsed(live.id(), now);
    KeyRuntime runtime = runtimes.forKey(live);
    RequestContext context =
        new RequestContext(
            newRequestId(), live, now, new HostKeyControl(live.id(), ledger, suspender, webhooks));
    ReservingTerminal terminal = new ReservingTerminal(ledger, clock, settings, runtime, events);
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

  @Override
  public ProxyResponse serveChatCompletions(
      String authorizationHeader, Supplier<Map<String, Object>> body) {
    try {
      return chatCompletions(authenticate(authorizationHeader), body.get());
    } catch (PouchException refused) {
      return ErrorResponses.response(refused);
    }
  }

  @Override
  public List<String> models(AppKey key) {
    if (!key.policy().allowedModels().isEmpty()) {
      return key.policy().allowedModels();
    }
    return runtimes.forKey(key).provider().models().stream().map(ModelInfo::id).toList();
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
      cache.invalidate(key.id());
      log.atInfo()
          .addKeyValue("key_id", key.id())
          .addKeyValue("expires_at", renewed.expiresAt())
          .log("key renewed; budget period restarted");
      return renewed;
    }
    // Someone else changed the key meanwhile (a renewal or an edit): use the stored one.
    cache.invalidate(key.id());
    AppKey current = keys.findById(key.id()).orElseThrow(() -> invalidKey("App key revoked."));
    if (current.isExpiredAt(now) && current.autoRenew() && current.version() > key.version()) {
      return renewIfExpired(current, now); // an edit, not a renewal, won the race: renew now
    }
    if (current.isExpiredAt(now)) {
      throw new RequestRejectedException(ErrorCode.KEY_EXPIRED, "This app key has expired.");
    }
    return current;
  }

  private void startPeriodIfElapsed(String keyId, Instant now) {
    Budget budget = ledger.require(keyId);
    if (budget.periodElapsedAt(now)
        && ledger.startPeriod(keyId, budget.periodStartedAt(), budget.periodStartAt(now))) {
      log.atInfo().addKeyValue("key_id", keyId).log("budget period reset");
    }
  }

  /**
   * {@code req_}, the time in milliseconds (12 hex digits), then 64 random bits. Ids that grow with
   * time land at the end of the indexes that hold them (reservations, request log), where a random
   * id dirtied a random index page per request in every group commit.
   */
  private String newRequestId() {
    HexFormat hex = HexFormat.of();
    return "req_"
        + hex.toHexDigits(clock.millis()).substring(4)
        + hex.toHexDigits(ThreadLocalRandom.current().nextLong());
  }

  private static RequestRejectedException invalidKey(String message) {
    return new RequestRejectedException(ErrorCode.INVALID_API_KEY, message);
  }
}
