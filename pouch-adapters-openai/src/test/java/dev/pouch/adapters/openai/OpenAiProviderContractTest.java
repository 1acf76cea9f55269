package dev.pouch.adapters.openai;

import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import dev.pouch.domain.provider.ProviderFactory;
import dev.pouch.testkit.ProviderContract;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The OpenAI provider passes the provider contract against the fake OpenAI upstream over real
 * loopback HTTP: one upstream that honours {@code max_tokens}, one that ignores it.
 */
class OpenAiProviderContractTest extends ProviderContract {
  private static final String TEXT =
      "Once upon a time a careful accountant counted every token twice before paying for it";
  private static FakeOpenAiUpstream honest;
  private static FakeOpenAiUpstream overrunning;
  private static OpenAiProviderFactory factory;

  @BeforeAll
  static void startUpstreams() {
    honest = FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    overrunning =
        FakeOpenAiUpstream.start(
            0, FakeUpstreamSettings.DEFAULT.withResponseText(TEXT).withIgnoreMaxTokens(true));
    factory =
        new OpenAiProviderFactory(
            new OpenAiSettings("sk-contract", "http://unused/v1", null), Clock.systemUTC());
  }

  @AfterAll
  static void stopUpstreams() {
    factory.close();
    honest.close();
    overrunning.close();
  }

  @Override
  protected ProviderFactory factory() {
    return factory;
  }

  @Override
  protected Map<String, Object> config() {
    return Map.of("base_url", honest.baseUrl(), "timeout_seconds", 10L);
  }

  @Override
  protected String model() {
    return "gpt-4o-mini";
  }

  @Override
  protected Map<String, Object> configOfAnUpstreamIgnoringMaxTokens() {
    return Map.of("base_url", overrunning.baseUrl(), "timeout_seconds", 10L);
  }
}
