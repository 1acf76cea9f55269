package dev.pouch.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderFactory;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Provider} must do so that Pouch's budgets hold: price its models, estimate a
 * prompt from above, and meter plain and streamed answers within the output cap it was given.
 *
 * <p>A subclass supplies the factory, a raw config (validated here against the factory's schema, as
 * the server does) and a model name the provider prices. When the provider calls a real upstream,
 * start one in the subclass (a fake on loopback is enough) and point the config at it. Optionally
 * it supplies the config of an upstream that ignores {@code max_tokens}, to prove the provider
 * keeps such an upstream from billing past the cap.
 *
 * <pre>{@code
 * class MyProviderContractTest extends ProviderContract {
 *   protected ProviderFactory factory() { return new MyProviderFactory(); }
 *   protected Map<String, Object> config() { return Map.of("base_url", upstream.baseUrl()); }
 *   protected String model() { return "my-model"; }
 * }
 * }</pre>
 */
public abstract class ProviderContract {
  /** The output cap of the contract's calls, in tokens. */
  protected static final long CAP = 8;

  private final List<Provider> created = new ArrayList<>();

  /** The factory under test. */
  protected abstract ProviderFactory factory();

  /** A key's raw provider config (as sent to the admin API) that works for {@link #model()}. */
  protected abstract Map<String, Object> config();

  /** A model the provider knows and prices. */
  protected abstract String model();

  /**
   * The raw config of a provider whose upstream answers longer than {@code max_tokens}, or {@code
   * null} (the default) when the module cannot arrange one; the tests that need it are then
   * skipped.
   */
  protected Map<String, Object> configOfAnUpstreamIgnoringMaxTokens() {
    return null;
  }

  /** A provider created the way the server creates one: config validated, defaults applied. */
  protected final Provider provider(Map<String, Object> raw) {
    PluginConfig config = factory().info().schema().validate(raw);
    Provider provider = factory().create(config);
    created.add(provider);
    return provider;
  }

  @AfterEach
  void closeProviders() {
    created.forEach(Provider::close);
  }

  /** A two-message request for {@link #model()} asking for at most {@link #CAP} tokens. */
  protected ChatRequest request(boolean stream, String userText) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", model());
    body.put(
        "messages",
        List.of(
            Map.of("role", "system", "content", "You answer briefly."),
            Map.of("role", "user", "content", userText)));
    body.put("max_tokens", CAP);
    if (stream) {
      body.put("stream", true);
    }
    return ChatRequest.of(body);
  }

  private ChatRequest request(boolean stream) {
    return request(stream, "Tell me a long story about a careful accountant, please.");
  }

  @Test
  void infoNamesThePluginAndItsSchemaAcceptsTheConfig() {
    PluginInfo info = factory().info();

    assertThat(info.id()).isNotBlank();
    assertThat(info.schema().validate(config())).isNotNull();
  }

  @Test
  void theModelHasAPriceAndLimitsAndListedModelsResolve() {
    Provider provider = provider(config());

    ModelInfo model = provider.model(model()).orElseThrow();
    assertThat(model.knownPrice()).isPresent();
    assertThat(model.maxOutputTokens()).isPositive();
    assertThat(model.contextWindow()).isGreaterThanOrEqualTo(CAP);
    for (ModelInfo listed : provider.models()) {
      assertThat(provider.model(listed.id())).as("listed model %s", listed.id()).isPresent();
    }
  }

  @Test
  void theEstimateGrowsWithThePrompt() {
    Provider provider = provider(config());

    long small = provider.estimatePromptTokens(request(false, "Hi"));
    long large = provider.estimatePromptTokens(request(false, "Hi " + "word ".repeat(500)));

    assertThat(small).isPositive();
    assertThat(large).isGreaterThan(small + 400);
  }

  @Test
  void aPlainAnswerIsMeteredWithinTheCapAndCostsNoMoreThanItsWorstCase() {
    Provider provider = provider(config());
    ChatRequest request = request(false);
    long estimate = provider.estimatePromptTokens(request);

    ProviderResponse response = provider.execute(request, new UpstreamCall("req-plain", CAP));

    assertThat(response)
        .isInstanceOfAny(ProviderResponse.Complete.class, ProviderResponse.Assembling.class);
    ProviderResponse.Complete answer = PlainAnswers.read(response, CAP);
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).isNotEmpty();
    assertWithinWorstCase(provider, request, answer.usage(), estimate);
  }

  @Test
  void aStreamedAnswerIsMeteredWithinTheCapAndEndsCleanly() throws IOException {
    Provider provider = provider(config());
    ChatRequest request = request(true);
    long estimate = provider.estimatePromptTokens(request);

    ProviderResponse response = provider.execute(request, new UpstreamCall("req-stream", CAP));

    assertThat(response).isInstanceOf(ProviderResponse.Streaming.class);
    assertThat(response.status()).isEqualTo(200);
    try (UpstreamStream stream = ((ProviderResponse.Streaming) response).stream()) {
      int chunks = 0;
      for (byte[] chunk = stream.next(); chunk != null; chunk = stream.next()) {
        assertThat(chunk).isNotEmpty();
        assertThat(stream.producedAtLeast()).isLessThanOrEqualTo(stream.usage().completionTokens());
        chunks++;
      }
      assertThat(chunks).isPositive();
      assertThat(stream.next()).as("after the end").isNull();
      assertWithinWorstCase(provider, request, stream.usage(), estimate);
      assertThat(stream.cutTrailer()).isNotEmpty();
      assertThat(stream.errorEvent("upstream broke off")).isNotEmpty();
    }
  }

  @Test
  void aStreamClosedEarlyCanBeClosedAgain() throws IOException {
    Provider provider = provider(config());

    ProviderResponse response = provider.execute(request(true), new UpstreamCall("req-close", CAP));

    UpstreamStream stream = ((ProviderResponse.Streaming) response).stream();
    assertThat(stream.next()).isNotNull();
    stream.close();
    stream.close();
    assertThat(stream.usage().completionTokens()).isLessThanOrEqualTo(CAP);
  }

  /**
   * The provider shows the overrun (its lower bound of the output passes the cap), so that Pouch's
   * core cuts the answer and charges at least the reservation; or the upstream stayed within the
   * cap after all. What it must never do is hide an answer beyond the cap behind a small count.
   */
  @Test
  void aPlainAnswerFromAnUpstreamIgnoringMaxTokensShowsTheOverrunSoPouchCanCutIt() {
    Map<String, Object> raw = configOfAnUpstreamIgnoringMaxTokens();
    assumeTrue(raw != null, "the module cannot arrange an upstream that ignores max_tokens");
    Provider provider = provider(raw);
    ChatRequest request = request(false);
    long estimate = provider.estimatePromptTokens(request);

    ProviderResponse.Complete answer =
        PlainAnswers.read(provider.execute(request, new UpstreamCall("req-over", CAP)), CAP);

    assertThat(answer.status()).isEqualTo(200);
    if (answer.producedAtLeast() <= CAP && answer.usage().isKnown()) {
      assertWithinWorstCase(provider, request, answer.usage(), estimate);
    } // else cut by the core (PlainAnswers reads as it does): charged the reservation at least
  }

  @Test
  void aStreamFromAnUpstreamIgnoringMaxTokensShowsTheOverrunSoPouchCanCutIt() throws IOException {
    Map<String, Object> raw = configOfAnUpstreamIgnoringMaxTokens();
    assumeTrue(raw != null, "the module cannot arrange an upstream that ignores max_tokens");
    Provider provider = provider(raw);

    ProviderResponse response = provider.execute(request(true), new UpstreamCall("req-cut", CAP));

    try (UpstreamStream stream = ((ProviderResponse.Streaming) response).stream()) {
      // what Pouch's metered stream does: read until the provider admits the cap is passed
      for (byte[] chunk = stream.next();
          chunk != null && stream.producedAtLeast() <= CAP;
          chunk = stream.next()) {
        assertThat(chunk).isNotEmpty();
      }
      assertThat(stream.producedAtLeast()).isGreaterThan(CAP);
      assertThat(stream.usage().completionTokens())
          .isGreaterThanOrEqualTo(stream.producedAtLeast());
    }
  }

  /**
   * Usage is reported or counted, the output is within the cap, the prompt between the provider's
   * own lower and upper bounds of it, and the cost, priced as Pouch charges it, within the worst
   * case priced as Pouch reserves it.
   *
   * <p>Each check compares what {@code execute} reported with a bound from another method of the
   * provider, or with the contract's own {@link #CAP}; none compares a method with itself.
   */
  private void assertWithinWorstCase(
      Provider provider, ChatRequest request, Usage usage, long estimate) {
    assertThat(usage.isKnown()).as("usage known: %s", usage).isTrue();
    assertThat(usage.completionTokens()).as("output tokens vs the cap").isBetween(1L, CAP);
    // the promise Pouch's reservation rests on: the prompt billed never exceeds the estimate
    assertThat(usage.promptTokens()).as("prompt tokens vs the estimate").isBetween(1L, estimate);
    // reported below this lower bound, usage is judged implausible and charged in full
    assertThat(usage.promptTokens())
        .as("prompt tokens vs promptTokensAtLeast")
        .isGreaterThanOrEqualTo(provider.promptTokensAtLeast(request));
    // Pouch reserves from the cheap bound when the headroom is large: it must bound the estimate
    assertThat(provider.boundPromptTokens(request))
        .as("boundPromptTokens vs the estimate")
        .isGreaterThanOrEqualTo(estimate);
    ModelInfo model = provider.model(model()).orElseThrow();
    // Pouch charges usage at the price of its own prompt's tier and reserves at the estimate's:
    // where the two straddle a tier, a tier cheaper than the one below it fails here
    long charged =
        model
            .priceFor(usage.promptTokens())
            .cost(usage.promptTokens(), usage.cachedPromptTokens(), usage.completionTokens());
    assertThat(charged)
        .as("the charge vs the worst case reserved")
        .isLessThanOrEqualTo(model.priceFor(estimate).worstCase(estimate, CAP));
  }
}
