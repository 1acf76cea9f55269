package dev.pouch.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.pouch.adapters.openai.OpenAiProviderFactory;
import dev.pouch.adapters.openai.OpenAiSettings;
import dev.pouch.adapters.openai.TokenCounter;
import dev.pouch.adapters.openai.TokenEncoding;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.ReservationPlan;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Provider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The worst-case estimate made before every reservation, for a request whose user message has
 * {@code promptBytes} bytes of English: the openai provider's {@code estimatePromptTokens} (jtokkit
 * o200k for {@code gpt-4o-mini}) plus pricing and {@link ReservationPlan#plan}, as the reserving
 * step does it. Parsing the JSON body and raw token counts are measured alongside.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class EstimateBench {
  @Param({"2048"})
  public int promptBytes;

  private OpenAiProviderFactory factory;
  private Provider provider;
  private TokenCounter counter;
  private ChatRequest request;
  private String text;
  private byte[] bodyJson;
  private Budget budget;

  @Setup(Level.Trial)
  public void setUp() throws JsonProcessingException {
    factory =
        new OpenAiProviderFactory(
            new OpenAiSettings(null, "http://127.0.0.1:9/v1", null), Clock.systemUTC());
    provider =
        factory.create(
            factory
                .info()
                .schema()
                .validate(
                    Map.of("api_key", Fixtures.UPSTREAM_KEY, "base_url", "http://127.0.0.1:9/v1")));
    counter = new TokenCounter();
    text = Fixtures.prompt(promptBytes);
    Map<String, Object> body = Fixtures.chatBody(text, false);
    request = ChatRequest.of(body);
    bodyJson = Fixtures.JSON.writeValueAsBytes(body);
    budget = new Budget(Fixtures.LARGE_BUDGET_MICROS, 0, 0, Instant.now(), 0);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    provider.close();
    factory.close();
  }

  /** The full estimate: prompt upper bound, price tier, worst case, as before a reservation. */
  @Benchmark
  public ReservationPlan worstCaseEstimate() {
    long promptTokens = provider.estimatePromptTokens(request);
    ModelInfo model = provider.model(request.model()).orElseThrow();
    return ReservationPlan.plan(
        model.priceFor(promptTokens),
        promptTokens,
        request.maxOutputTokens(),
        request.choices(),
        model.maxOutputTokens(),
        budget,
        16,
        16);
  }

  /**
   * The cheap bound the reserving step uses first (UTF-8 bytes for every text), and the whole
   * estimate with it: what a request on a key with a large headroom costs since the estimate
   * strategy changed.
   */
  @Benchmark
  public long boundPromptTokens() {
    return provider.boundPromptTokens(request);
  }

  @Benchmark
  public ReservationPlan worstCaseEstimateFromBound() {
    long promptTokens = provider.boundPromptTokens(request);
    ModelInfo model = provider.model(request.model()).orElseThrow();
    return ReservationPlan.plan(
        model.priceFor(promptTokens),
        promptTokens,
        request.maxOutputTokens(),
        request.choices(),
        model.maxOutputTokens(),
        budget,
        16,
        16);
  }

  @Benchmark
  public long estimatePromptTokens() {
    return provider.estimatePromptTokens(request);
  }

  @Benchmark
  public long countO200k() {
    return counter.count(text, TokenEncoding.O200K_BASE);
  }

  @Benchmark
  public long countCl100k() {
    return counter.count(text, TokenEncoding.CL100K_BASE);
  }

  /** The cheapest strict bound there is: UTF-8 bytes (each token is at least one byte). */
  @Benchmark
  public long countBytes() {
    return counter.count(text, TokenEncoding.BYTES);
  }

  /** The body parsed to a tree and checked, as the server does before the estimate. */
  @Benchmark
  @SuppressWarnings("unchecked")
  public ChatRequest parseBody() {
    try {
      return ChatRequest.of(Fixtures.JSON.readValue(bodyJson, Map.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
