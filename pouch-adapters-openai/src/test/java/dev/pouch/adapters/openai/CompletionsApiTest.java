package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.provider.CompletionRequest;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import dev.pouch.domain.provider.UpstreamStream;
import dev.pouch.testkit.PlainAnswers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The openai provider's legacy completions against a scripted upstream. */
class CompletionsApiTest {
  private final MockWebServer server = new MockWebServer();
  private OpenAiProviderFactory factory;
  private Provider provider;

  @BeforeEach
  void start() throws IOException {
    server.start();
    factory =
        new OpenAiProviderFactory(
            new OpenAiSettings("sk", "http://unused/v1", null), Clock.systemUTC());
    PluginConfig config =
        factory.info().schema().validate(Map.of("base_url", server.url("/v1").toString()));
    provider = factory.create(config);
  }

  @AfterEach
  void stop() throws IOException {
    factory.close();
    server.close();
  }

  private static CompletionRequest completion(Object... fields) {
    return CompletionMeteringTest.completion(fields);
  }

  private static String chunk(int index, String text, String finish) {
    return "data: {\"id\":\"cmpl-9\",\"object\":\"text_completion\",\"created\":1700000000,"
        + "\"model\":\"gpt-3.5-turbo-instruct\",\"choices\":[{\"text\":\""
        + text
        + "\",\"index\":"
        + index
        + ",\"logprobs\":null,\"finish_reason\":"
        + (finish == null ? "null" : "\"" + finish + "\"")
        + "}]}\n\n";
  }

  private static final String USAGE =
      "data: {\"id\":\"cmpl-9\",\"object\":\"text_completion\",\"created\":1700000000,"
          + "\"model\":\"gpt-3.5-turbo-instruct\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,"
          + "\"completion_tokens\":2,\"total_tokens\":7}}\n\n";

  private void enqueueStream(String body) {
    server.enqueue(
        new MockResponse.Builder()
            .headers(Headers.of("Content-Type", "text/event-stream"))
            .body(body)
            .build());
  }

  private JsonNode sentBody() throws Exception {
    return OpenAiProvider.MAPPER.readTree(server.takeRequest().getBody().utf8());
  }

  private static JsonNode json(byte[] body) throws IOException {
    return OpenAiProvider.MAPPER.readTree(body);
  }

  @Test
  void theProviderServesCompletionsOnItsOwnPath() throws Exception {
    enqueueStream(chunk(0, " Hi", "stop") + USAGE + "data: [DONE]\n\n");

    PlainAnswers.read(provider.execute(completion(), new UpstreamCall("r", 16)), 16);

    assertThat(provider.serves(Operation.COMPLETIONS)).isTrue();
    assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/v1/completions");
  }

  @Test
  void aPlainRequestIsStreamedUpstreamAndAssembledAsATextCompletion() throws Exception {
    enqueueStream(
        chunk(0, " Hello", null)
            + chunk(0, " there", null)
            + chunk(0, "", "stop")
            + USAGE
            + "data: [DONE]\n\n");

    ProviderResponse.Complete response =
        PlainAnswers.read(
            provider.execute(completion("max_tokens", 5L), new UpstreamCall("r", 5)), 5);

    JsonNode sent = sentBody();
    assertThat(sent.get("stream").asBoolean()).isTrue();
    assertThat(sent.at("/stream_options/include_usage").asBoolean()).isTrue();
    JsonNode answer = json(response.body());
    assertThat(answer.get("object").asText()).isEqualTo("text_completion");
    assertThat(answer.get("id").asText()).isEqualTo("cmpl-9");
    assertThat(answer.get("model").asText()).isEqualTo("gpt-3.5-turbo-instruct");
    assertThat(answer.at("/choices/0/text").asText()).isEqualTo(" Hello there");
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(answer.at("/usage/completion_tokens").asLong()).isEqualTo(2);
    assertThat(response.usage()).isEqualTo(new Usage(5, 0, 2, UsageSource.REPORTED));
  }

  @Test
  void aPlainAnswerKeepsItsLogprobsConcatenatedAndEveryChoice() throws Exception {
    String logprobs =
        "{\"tokens\":[\"%s\"],\"token_logprobs\":[-0.5],\"top_logprobs\":[{\"%s\":-0.5}],"
            + "\"text_offset\":[%d]}";
    String first = String.format(logprobs, " A", " A", 3);
    String second = String.format(logprobs, " B", " B", 5);
    enqueueStream(
        chunk(0, " A", null).replace("\"logprobs\":null", "\"logprobs\":" + first)
            + chunk(1, " C", "length")
            + chunk(0, " B", "stop").replace("\"logprobs\":null", "\"logprobs\":" + second)
            + "data: [DONE]\n\n");

    JsonNode answer =
        json(
            PlainAnswers.read(
                    provider.execute(
                        completion("n", 2L, "logprobs", 1L), new UpstreamCall("r", 32)),
                    32)
                .body());

    assertThat(answer.at("/choices/0/text").asText()).isEqualTo(" A B");
    assertThat(answer.at("/choices/0/logprobs/tokens").toString()).isEqualTo("[\" A\",\" B\"]");
    assertThat(answer.at("/choices/0/logprobs/text_offset").toString()).isEqualTo("[3,5]");
    assertThat(answer.at("/choices/0/logprobs/top_logprobs")).hasSize(2);
    assertThat(answer.at("/choices/1/text").asText()).isEqualTo(" C");
    assertThat(answer.at("/choices/1/finish_reason").asText()).isEqualTo("length");
    assertThat(answer.at("/usage/completion_tokens").asLong())
        .as("no usage came: counted")
        .isPositive();
  }

  @Test
  void anUpstreamThatIgnoresMaxTokensIsCutAtTheCap() throws Exception {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      body.append(chunk(0, " word", null));
    }
    enqueueStream(body.append(chunk(0, "", "stop")).append("data: [DONE]\n\n").toString());

    ProviderResponse.Complete response =
        PlainAnswers.read(
            provider.execute(completion("max_tokens", 5L), new UpstreamCall("r", 5)), 5);

    JsonNode answer = json(response.body());
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("length");
    assertThat(answer.at("/choices/0/text").asText().strip().split(" ")).hasSize(5);
    assertThat(response.producedAtLeast()).as("past the cap: the core cuts here").isGreaterThan(5);
    assertThat(response.usage().source()).isEqualTo(UsageSource.COUNTED);
  }

  @Test
  void aPlainRequestWithBestOfGoesUpstreamPlainAsOpenAiDoesNotStreamIt() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .headers(Headers.of("Content-Type", "application/json"))
            .body(
                "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":[{\"text\":\" x\","
                    + "\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}")
            .build());

    ProviderResponse response =
        provider.execute(completion("best_of", 3L, "max_tokens", 4L), new UpstreamCall("r", 12));

    assertThat(response).isInstanceOf(ProviderResponse.Complete.class);
    assertThat(sentBody().has("stream")).isFalse();
    assertThat(((ProviderResponse.Complete) response).usage())
        .isEqualTo(new Usage(5, 0, 3, UsageSource.REPORTED));
  }

  @Test
  void aPlainAnswerWithUnseenCandidatesAndNoUsageIsUnknownSoChargedInFull() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .headers(Headers.of("Content-Type", "application/json"))
            .body(
                "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":[{\"text\":\" x\","
                    + "\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}]}")
            .build());

    ProviderResponse.Complete response =
        (ProviderResponse.Complete)
            provider.execute(completion("best_of", 2L), new UpstreamCall("r", 32));

    assertThat(response.usage()).isEqualTo(Usage.UNKNOWN);
  }

  @Test
  void aStreamHidesTheUsageChunkFromAClientThatDidNotAskAndEndsWithEveryChoiceFinished()
      throws Exception {
    enqueueStream(chunk(0, " Hi", null) + chunk(0, "", "stop") + USAGE);

    ProviderResponse.Streaming response =
        (ProviderResponse.Streaming)
            provider.execute(completion("stream", true), new UpstreamCall("r", 16));

    StringBuilder relayed = new StringBuilder();
    try (UpstreamStream stream = response.stream()) {
      for (byte[] event = stream.next(); event != null; event = stream.next()) {
        relayed.append(new String(event, StandardCharsets.UTF_8));
      }
      assertThat(stream.finished()).isTrue();
      assertThat(stream.usage()).isEqualTo(new Usage(5, 0, 2, UsageSource.REPORTED));
      assertThat(stream.producedAtLeast()).isEqualTo(1);
      assertThat(stream.streamsEveryOutputToken()).isTrue();
    }
    assertThat(relayed.toString()).doesNotContain("usage").contains("\" Hi\"");
    assertThat(sentBody().at("/stream_options/include_usage").asBoolean()).isTrue();
  }

  @Test
  void aStreamWithUnseenCandidatesDoesNotStreamEveryOutputToken() throws Exception {
    enqueueStream(chunk(0, " Hi", "stop") + "data: [DONE]\n\n");

    ProviderResponse.Streaming response =
        (ProviderResponse.Streaming)
            provider.execute(completion("stream", true, "best_of", 2L), new UpstreamCall("r", 32));

    try (UpstreamStream stream = response.stream()) {
      while (stream.next() != null) {
        // drain
      }
      assertThat(stream.streamsEveryOutputToken()).isFalse();
      assertThat(stream.usage().source())
          .as("the unseen candidate cannot be counted")
          .isEqualTo(UsageSource.UNKNOWN);
    }
  }

  @Test
  void anEchoedPromptIsNotCountedAsProducedOutput() throws Exception {
    enqueueStream(
        chunk(0, "Say this is a test", null)
            + chunk(0, " one", null)
            + chunk(0, " two", "length")
            + USAGE);

    ProviderResponse.Complete response =
        PlainAnswers.read(
            provider.execute(completion("echo", true, "max_tokens", 2L), new UpstreamCall("r", 2)),
            2);

    assertThat(response.producedAtLeast()).isEqualTo(2);
    assertThat(json(response.body()).at("/choices/0/text").asText())
        .isEqualTo("Say this is a test one two");
    assertThat(json(response.body()).at("/choices/0/finish_reason").asText()).isEqualTo("length");
  }

  @Test
  void promptBoundsComeFromThePromptsAndTheUnknownFieldsAreUnpriced() {
    CompletionRequest request = completion("prompt", List.of("Hello world", "Hi"));

    assertThat(provider.boundPromptTokens(request))
        .isGreaterThanOrEqualTo(provider.estimatePromptTokens(request));
    assertThat(provider.estimatePromptTokens(request))
        .isGreaterThanOrEqualTo(provider.promptTokensAtLeast(request));
    assertThat(provider.unpricedField(completion("guided_json", Map.of()))).isPresent();
  }
}
