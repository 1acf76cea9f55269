package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.testkit.PlainAnswers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.Call;
import okhttp3.Headers;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The assembler takes simple chunks from the stream's facts and only the others from a tree: both
 * readings must give the very same answer and usage, for OpenAI's shapes and for odd ones.
 */
class StreamAssemblerParityTest {
  private final MockWebServer server = new MockWebServer();
  private final OkHttpClient client = new OkHttpClient();
  private static final PriceBook PRICES = new PriceBook(null, Clock.systemUTC());
  private final TokenCounter tokens = new TokenCounter();

  @BeforeEach
  void start() throws IOException {
    server.start();
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private static final String HEAD =
      "\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
          + "\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_1\"";

  private static String chunk(String rest) {
    return "data: {" + HEAD + "," + rest + "}\n\n";
  }

  private static String content(int index, String text, String finish) {
    return chunk(
        "\"choices\":[{\"index\":"
            + index
            + ",\"delta\":{\"content\":\""
            + text
            + "\"},\"logprobs\":null,\"finish_reason\":"
            + (finish == null ? "null" : "\"" + finish + "\"")
            + "}],\"usage\":null");
  }

  private static final String ROLE =
      chunk(
          "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
              + "\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null");
  private static final String USAGE =
      chunk(
          "\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,"
              + "\"total_tokens\":13,\"completion_tokens_details\":{\"reasoning_tokens\":0}}");
  private static final String DONE = "data: [DONE]\n\n";

  static Stream<Arguments> streams() {
    return Stream.of(
        Arguments.of(
            "OpenAI's usual answer",
            ROLE
                + content(0, "Hello", null)
                + content(0, " there", null)
                + content(0, "", "stop")
                + USAGE
                + DONE),
        Arguments.of(
            "two choices, interleaved, one refusing",
            ROLE
                + content(1, "B", null)
                + content(0, "A", null)
                + chunk("\"choices\":[{\"index\":1,\"delta\":{\"refusal\":\"no\"}}]")
                + chunk(
                    "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"},"
                        + "{\"index\":1,\"delta\":{},\"finish_reason\":\"stop\"}]")
                + DONE),
        Arguments.of(
            "tool calls between content chunks",
            ROLE
                + content(0, "Let me look.", null)
                + chunk(
                    "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":"
                        + "\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get\","
                        + "\"arguments\":\"\"}}]},\"finish_reason\":null}]")
                + chunk(
                    "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                        + "\"function\":{\"arguments\":\"{}\"}}]}}]")
                + content(0, "", "tool_calls")
                + USAGE
                + DONE),
        Arguments.of(
            "logprobs on some chunks",
            ROLE
                + chunk(
                    "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"logprobs\":"
                        + "{\"content\":[{\"token\":\"Hi\",\"logprob\":-0.1}],\"refusal\":null}}]")
                + content(0, "!", null)
                + content(0, "", "stop")
                + DONE),
        Arguments.of(
            "odd shapes an honest upstream never sends",
            ROLE
                + chunk("\"choices\":[{\"index\":\"1\",\"delta\":{\"content\":\"str-index\"}}]")
                + chunk("\"choices\":[{\"index\":3000000000,\"delta\":{\"content\":\"long\"}}]")
                + chunk("\"choices\":[{\"delta\":{\"content\":\"no index\"}}]")
                + chunk("\"choices\":[{\"index\":0,\"delta\":{\"content\":5,\"refusal\":\"\"}}]")
                + chunk("\"choices\":[{\"index\":0,\"delta\":\"text\",\"finish_reason\":7}]")
                + chunk(
                    "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\",\"content\":\"b\"}}]")
                + chunk(
                    "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"function\":"
                        + "{\"name\":\"f\"}}]},\"delta\":{\"content\":\"last delta wins\"}}]")
                + chunk("\"choices\":null")
                + chunk("\"choices\":[null,{\"index\":2,\"delta\":{\"content\":\"after null\"}}]")
                + chunk("\"choices\":{\"0\":{\"delta\":{\"content\":\"object\"}}}")
                + chunk("\"choices\":[],\"usage\":{\"prompt_tokens\":1},\"usage\":null")
                + content(0, "", "length")
                + DONE),
        Arguments.of(
            "an error mid-stream",
            ROLE
                + content(0, "Hal", null)
                + chunk("\"error\":{\"message\":\"overloaded\"}")
                + DONE),
        Arguments.of("no usage at all", ROLE + content(0, "counted", "stop") + DONE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("streams")
  void simpleChunksAssembleAsTheirTreesDo(String name, String sse) throws IOException {
    ProviderResponse.Complete fromFacts = assemble(sse, false);
    ProviderResponse.Complete fromTrees = assemble(sse, true);

    assertThat(fromFacts.status()).isEqualTo(fromTrees.status());
    assertThat(new String(fromFacts.body(), StandardCharsets.UTF_8))
        .isEqualTo(new String(fromTrees.body(), StandardCharsets.UTF_8));
    assertThat(fromFacts.usage()).isEqualTo(fromTrees.usage());
  }

  private ProviderResponse.Complete assemble(String sse, boolean alwaysTrees) throws IOException {
    server.enqueue(
        new MockResponse.Builder()
            .headers(Headers.of("Content-Type", "text/event-stream"))
            .body(sse)
            .build());
    Call call =
        client.newCall(new Request.Builder().url(server.url("/v1/chat/completions")).build());
    Response response = call.execute();
    PricedModel priced = PRICES.find("gpt-4o-mini").orElseThrow();
    OpenAiStream stream =
        new OpenAiStream(call, response, tokens, priced, () -> 7L, true, 128, priced.reasoning());
    return PlainAnswers.read(
        new ProviderResponse.Assembling(
            200, Map.of(), stream, new StreamAssembler(stream, alwaysTrees)),
        1_000);
  }
}
