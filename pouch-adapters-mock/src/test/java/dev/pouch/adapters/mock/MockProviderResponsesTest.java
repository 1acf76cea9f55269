package dev.pouch.adapters.mock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.ResponsesRequest;
import dev.pouch.domain.provider.UpstreamCall;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The mock provider serves the Responses API: the default gateway answers it. */
class MockProviderResponsesTest {
  private final Provider provider =
      MockProviderTest.provider(Map.of("response_text", MockProviderTest.TEXT));

  @Test
  void theMockServesTheResponsesApiWithItsPromptRule() {
    ResponsesRequest request = MockResponseTest.request();

    assertThat(provider.serves(Operation.RESPONSES)).isTrue();
    // 3 + (4 + "Be brief") + (4 + "Say hello please")
    assertThat(provider.estimatePromptTokens(request)).isEqualTo(3 + 6 + 7);
  }

  @Test
  void aPlainAnswerIsTheResponseObjectCappedAtTheOutputCap() {
    ProviderResponse.Complete response =
        (ProviderResponse.Complete)
            provider.execute(MockResponseTest.request(), new UpstreamCall("r", 3));

    JsonNode json = Sse.json(response.body());
    assertThat(json.path("status").asText()).isEqualTo("incomplete");
    assertThat(json.at("/output/0/content/0/text").asText()).isEqualTo("one two three");
    assertThat(response.usage()).isEqualTo(Usage.reported(16, 3));
  }

  @Test
  void aStreamIsTheResponsesEventsWithExactUsage() throws IOException {
    ProviderResponse.Streaming response =
        (ProviderResponse.Streaming)
            provider.execute(
                MockResponseTest.request("stream", true), new UpstreamCall("r", 1_000));

    UpstreamStream stream = response.stream();
    JsonNode last = null;
    for (byte[] event = stream.next(); event != null; event = stream.next()) {
      last = MockResponseTest.event(event);
    }

    assertThat(response.headers()).containsEntry("Content-Type", "text/event-stream");
    assertThat(last.path("type").asText()).isEqualTo("response.completed");
    assertThat(stream.usage()).isEqualTo(Usage.reported(16, 8));
    assertThat(stream.finished()).isTrue();
  }
}
