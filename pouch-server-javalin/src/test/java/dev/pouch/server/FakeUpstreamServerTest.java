package dev.pouch.server;

import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import org.junit.jupiter.api.AfterEach;

/**
 * A server test with one fake OpenAI upstream on loopback, started by the test and stopped after
 * it; keys point at it with {@link #upstreamKey}.
 */
abstract class FakeUpstreamServerTest extends ServerTest {
  FakeOpenAiUpstream upstream;

  /** Starts the test's upstream (once per test). */
  FakeOpenAiUpstream startUpstream(FakeUpstreamSettings settings) {
    upstream = FakeOpenAiUpstream.start(0, settings);
    return upstream;
  }

  /** Creates a key from {@code body} pointed at the test's upstream. */
  TestPouch.CreatedTestKey upstreamKey(KeyBody body) {
    return pouch.createKey(body.providerSetting("base_url", upstream.baseUrl()));
  }

  @AfterEach
  final void stopUpstream() {
    if (upstream != null) {
      upstream.close();
    }
  }
}
