package example.parrot;

import dev.pouch.domain.provider.ProviderFactory;
import dev.pouch.testkit.ProviderContract;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Parrot provider passes Pouch's provider contract against a Parrot service on loopback. */
class ParrotProviderContractTest extends ProviderContract {
  private static ParrotUpstream upstream;

  @BeforeAll
  static void startUpstream() throws IOException {
    upstream = ParrotUpstream.start();
  }

  @AfterAll
  static void stopUpstream() {
    upstream.close();
  }

  @Override
  protected ProviderFactory factory() {
    return new ParrotProviderFactory();
  }

  @Override
  protected Map<String, Object> config() {
    return Map.of("base_url", upstream.baseUrl(), "output_usd_per_mtok", 20);
  }

  @Override
  protected String model() {
    return ParrotProvider.MODEL;
  }
}
