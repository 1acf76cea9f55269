package dev.pouch.adapters.mock;

import dev.pouch.domain.provider.ProviderFactory;
import dev.pouch.testkit.ProviderContract;
import java.math.BigDecimal;
import java.util.Map;

/** The mock provider passes the provider contract, misbehaving upstream included. */
class MockProviderContractTest extends ProviderContract {
  private static final String TEXT = "one two three four five six seven eight nine ten eleven";

  @Override
  protected ProviderFactory factory() {
    return new MockProviderFactory();
  }

  @Override
  protected Map<String, Object> config() {
    return Map.of(
        MockProviderFactory.RESPONSE_TEXT, TEXT,
        MockProviderFactory.INPUT_PRICE, new BigDecimal("2.5"),
        MockProviderFactory.OUTPUT_PRICE, new BigDecimal("10"));
  }

  @Override
  protected String model() {
    return MockProvider.MODEL;
  }

  @Override
  protected Map<String, Object> configOfAnUpstreamIgnoringMaxTokens() {
    return Map.of(
        MockProviderFactory.RESPONSE_TEXT,
        TEXT,
        MockProviderFactory.OUTPUT_PRICE,
        new BigDecimal("10"),
        MockProviderFactory.IGNORE_MAX_TOKENS,
        true);
  }
}
