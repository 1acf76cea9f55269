package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import dev.pouch.adapters.postgres.PostgresUrl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on the PostgreSQL store ({@code --store postgresql://…}), over real HTTP with the
 * official OpenAI SDK and the fake OpenAI upstream (FINANCIAL_SAFETY G1 and G6 on PostgreSQL): 40
 * concurrent chat requests, plain and streamed, on one small budget never overbook it, and each
 * request-log row charges exactly what the upstream served that request at gpt-4o-mini's price; the
 * spend survives a restart. The server comes from {@code POUCH_TEST_POSTGRES_URL} (bin/test starts
 * one); without it this test fails, never skips.
 */
class PostgresStoreServerTest {
  private static final String TEXT = "a ledger on a database server keeps every cent ".repeat(6);

  @TempDir Path data;
  private PostgresUrl url;
  private FakeOpenAiUpstream upstream;
  private TestPouch pouch;

  @BeforeEach
  void startOnPostgres() {
    String server = System.getenv("POUCH_TEST_POSTGRES_URL");
    if (server == null || server.isBlank()) {
      throw new IllegalStateException(
          "POUCH_TEST_POSTGRES_URL is not set: this test needs a PostgreSQL server. Run bin/test"
              + " (it starts one), or set e.g."
              + " POUCH_TEST_POSTGRES_URL=postgresql://pouch@127.0.0.1:55432/pouch_test");
    }
    url = PostgresUrl.parse(server.strip()).inSchema("t_server_" + ProcessHandle.current().pid());
    upstream = FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    pouch = TestPouch.start(TestPouch.config(data).withPostgres(url));
  }

  @AfterEach
  void stopAndDropTheSchema() throws Exception {
    if (pouch != null) {
      pouch.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    try (Connection connection =
            DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        Statement statement = connection.createStatement()) {
      statement.execute("DROP SCHEMA IF EXISTS " + url.schema() + " CASCADE");
    }
  }

  @Test
  void concurrentChatOnPostgresStaysWithinTheBudgetAndChargesWhatWasServed() throws Exception {
    long limit = 400;
    TestPouch.CreatedTestKey key =
        pouch.createKey(KeyBody.openAi("on-postgres", upstream.baseUrl()).budgetMicros(limit));
    OpenAIClient client =
        OpenAIOkHttpClient.builder()
            .apiKey(key.secret())
            .baseUrl(pouch.openAiBaseUrl())
            .maxRetries(0)
            .build();

    ExecutorService clients = Executors.newFixedThreadPool(20);
    CountDownLatch gate = new CountDownLatch(1);
    List<Future<Integer>> statuses = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      boolean streamed = i % 2 == 1;
      statuses.add(
          clients.submit(
              () -> {
                gate.await();
                return chat(client, streamed);
              }));
    }
    gate.countDown();
    int served = 0;
    int refused = 0;
    for (Future<Integer> status : statuses) {
      if (status.get() == 200) {
        served++;
      } else {
        assertThat(status.get()).isEqualTo(402);
        refused++;
      }
    }
    clients.shutdown();

    assertThat(served).isPositive();
    assertThat(refused).as("the budget covers a part of the load").isPositive();
    Map<String, FakeOpenAiUpstream.Served> tally = upstream.servedByRequest();
    assertThat(tally).hasSize(served);
    Map<String, JsonNode> rows = ServedCharges.rows(pouch, key);
    long expected = 0;
    for (Map.Entry<String, FakeOpenAiUpstream.Served> entry : tally.entrySet()) {
      FakeOpenAiUpstream.Served what = entry.getValue();
      long cost = ServedCharges.cost(what.promptTokens(), what.completionTokens());
      assertThat(rows.get(entry.getKey()).get("cost_micros").asLong()).isEqualTo(cost);
      expected += cost;
    }
    JsonNode budget = pouch.budget(key.id());
    assertThat(budget.get("spent_micros").asLong()).isEqualTo(expected).isLessThanOrEqualTo(limit);
    assertThat(budget.get("reserved_micros").asLong()).isZero();
    assertThat(rows).as("one row per request, refused ones too").hasSize(40);
    assertThat(Files.exists(data.resolve("pouch.db"))).as("no SQLite file").isFalse();

    pouch.restart();

    JsonNode after = pouch.budget(key.id());
    assertThat(after.get("spent_micros").asLong()).isEqualTo(expected);
    assertThat(after.get("reserved_micros").asLong()).isZero();
  }

  @Test
  void theServerIsReadyAndRefusesAFileBackupOfADatabaseServer() {
    assertThat(pouch.send("GET", "/readyz", null, null).status()).isEqualTo(200);

    TestPouch.Reply backup = pouch.admin("POST", "/api/backup", null);

    assertThat(backup.status()).isEqualTo(400);
    assertThat(backup.raw()).contains("pg_dump");
  }

  /** One chat request through the SDK; its HTTP status. */
  private static int chat(OpenAIClient client, boolean streamed) {
    ChatCompletionCreateParams.Builder params =
        ChatCompletionCreateParams.builder()
            .model("gpt-4o-mini")
            .addUserMessage("Tell me about ledgers.")
            .maxCompletionTokens(60);
    try {
      if (streamed) {
        params.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build());
        try (StreamResponse<ChatCompletionChunk> stream =
            client.chat().completions().createStreaming(params.build())) {
          stream.stream().forEach(chunk -> {});
        }
      } else {
        client.chat().completions().create(params.build());
      }
      return 200;
    } catch (OpenAIServiceException refused) {
      return refused.statusCode();
    }
  }
}
