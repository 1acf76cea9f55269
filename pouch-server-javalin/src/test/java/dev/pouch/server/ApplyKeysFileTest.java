package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pouch apply -f keys.yaml} as an operator runs it, against a real server over HTTP: the
 * command line in-process, the server and the fake OpenAI upstream on loopback ports.
 */
class ApplyKeysFileTest {
  @TempDir Path tmp;

  private TestPouch pouch;
  private FakeOpenAiUpstream upstream;
  private final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void start() {
    pouch = TestPouch.start(tmp.resolve("data"));
    upstream = FakeOpenAiUpstream.start();
    env.put("POUCH_ADMIN_TOKEN", TestPouch.ADMIN_TOKEN);
    env.put("UPSTREAM_KEY", "sk-from-the-environment");
  }

  @AfterEach
  void stop() {
    upstream.close();
    pouch.close();
  }

  /** What one run of the command printed, and its exit status. */
  record Run(int status, String out, String err) {
    /** The secrets printed for created keys, by key name. */
    Map<String, String> secrets() {
      Map<String, String> secrets = new HashMap<>();
      Matcher created =
          Pattern.compile(
                  "created key (\\S+) \\(key_[^)]*\\)\\n\\s+secret \\(shown once[^:]*: (pa-\\S+)")
              .matcher(out);
      while (created.find()) {
        secrets.put(created.group(1), created.group(2));
      }
      return secrets;
    }
  }

  private Run apply(String yaml, String... flags) throws Exception {
    Path file = tmp.resolve("keys.yaml");
    Files.writeString(file, yaml);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> args =
        new ArrayList<>(List.of("apply", "-f", file.toString(), "--url", pouch.baseUrl()));
    args.addAll(List.of(flags));
    PouchCli.Outcome outcome =
        PouchCli.run(
            args.toArray(String[]::new),
            env,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        ((PouchCli.Outcome.Exit) outcome).status(),
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  private String keysYaml(long supportLimitMicros) {
    return """
        teams:
          - name: research
            budgets:
              - {limit_micros: 50000000, reset_period_seconds: 2592000}
        keys:
          - name: support-bot
            team: research
            provider:
              id: openai
              config:
                base_url: %s
                api_key: {env: UPSTREAM_KEY}
            middlewares:
              - id: rate_limit
                config: {limit: 60, period: 60}
            allowed_models: [gpt-4o-mini]
            budgets:
              - {limit_micros: %d, reset_period_seconds: 86400}
              - {limit_micros: 20000000}
          - name: batch-jobs
            provider:
              id: mock
              config: {input_usd_per_mtok: 2.5, output_usd_per_mtok: 10}
            budget_limit_micros: 3000000
            expires_at: "2030-01-01T00:00:00Z"
            auto_renew: true
        """
        .formatted(upstream.baseUrl(), supportLimitMicros);
  }

  private JsonNode keyNamed(String name) {
    for (JsonNode key : pouch.admin("GET", "/api/keys", null).body()) {
      if (key.path("name").asText().equals(name)) {
        return key;
      }
    }
    throw new AssertionError("no key named " + name);
  }

  @Test
  void applyingTheSameFileTwiceCreatesOnceThenChangesNothingAndTheServerHoldsWhatTheFileSays()
      throws Exception {
    Run first = apply(keysYaml(5_000_000));
    Run second = apply(keysYaml(5_000_000));

    assertThat(first.status()).as(first.err()).isZero();
    assertThat(first.out()).contains("created: 2 keys, 1 team");
    assertThat(first.secrets()).containsOnlyKeys("support-bot", "batch-jobs");
    assertThat(second.status()).as(second.err()).isZero();
    assertThat(second.out())
        .contains("unchanged: 2 keys, 1 team")
        .contains("Nothing changed.")
        .doesNotContain("created", "updated", "pa-");

    JsonNode team = pouch.admin("GET", "/api/teams", null).body().get(0);
    assertThat(team.path("name").asText()).isEqualTo("research");
    assertThat(team.path("budgets").get(0).path("limit_micros").asLong()).isEqualTo(50_000_000);
    JsonNode support = keyNamed("support-bot");
    assertThat(support.path("team_id").asText()).isEqualTo(team.path("id").asText());
    assertThat(support.path("provider").path("id").asText()).isEqualTo("openai");
    assertThat(support.path("provider").path("config").path("base_url").asText())
        .isEqualTo(upstream.baseUrl());
    assertThat(support.path("middlewares").get(0).path("id").asText()).isEqualTo("rate_limit");
    assertThat(support.path("middlewares").get(0).path("config").path("limit").asLong())
        .isEqualTo(60);
    assertThat(support.path("allowed_models").get(0).asText()).isEqualTo("gpt-4o-mini");
    assertThat(support.path("budgets")).hasSize(2);
    assertThat(support.path("budgets").get(0).path("limit_micros").asLong()).isEqualTo(5_000_000);
    assertThat(support.path("budgets").get(0).path("reset_period_seconds").asLong())
        .isEqualTo(86_400);
    assertThat(support.path("budgets").get(1).path("limit_micros").asLong()).isEqualTo(20_000_000);
    JsonNode batch = keyNamed("batch-jobs");
    assertThat(batch.path("provider").path("id").asText()).isEqualTo("mock");
    assertThat(batch.path("budget").path("limit_micros").asLong()).isEqualTo(3_000_000);
    assertThat(batch.path("provider").path("config").path("input_usd_per_mtok").decimalValue())
        .isEqualByComparingTo("2.5");
    assertThat(batch.path("expires_at").asText()).isEqualTo("2030-01-01T00:00:00Z");
    assertThat(batch.path("auto_renew").asBoolean()).isTrue();
    assertThat(batch.path("team_id").isNull()).isTrue();
    assertThat(pouch.admin("GET", "/api/keys", null).body()).hasSize(2);
  }

  @Test
  void aCreatedKeyServesAChatThroughTheUpstreamWithTheSecretFromTheEnvironment() throws Exception {
    Run created = apply(keysYaml(5_000_000));
    String secret = created.secrets().get("support-bot");

    OpenAIClient client =
        OpenAIOkHttpClient.builder()
            .apiKey(secret)
            .baseUrl(pouch.openAiBaseUrl())
            .maxRetries(0)
            .build();
    ChatCompletion answer =
        client
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("gpt-4o-mini")
                    .addUserMessage("Hello")
                    .maxCompletionTokens(50)
                    .build());

    assertThat(answer.choices()).hasSize(1);
    assertThat(upstream.requestsReceived()).isEqualTo(1);
    assertThat(upstream.lastAuthorization()).contains("Bearer sk-from-the-environment");
    assertThat(keyNamed("support-bot").path("budget").path("spent_micros").asLong()).isPositive();
  }

  @Test
  void aChangedBudgetUpdatesThatKeyAloneAndKeepsItsSecretUnprinted() throws Exception {
    apply(keysYaml(5_000_000));
    String id = keyNamed("support-bot").path("id").asText();

    Run update = apply(keysYaml(7_000_000));

    assertThat(update.status()).as(update.err()).isZero();
    assertThat(update.out())
        .contains("updated key support-bot (" + id + "): budgets")
        .contains("unchanged key batch-jobs")
        .contains("updated: 1 key")
        .contains("unchanged: 1 key, 1 team")
        .doesNotContain("pa-");
    JsonNode support = keyNamed("support-bot");
    assertThat(support.path("id").asText()).isEqualTo(id);
    assertThat(support.path("budgets").get(0).path("limit_micros").asLong()).isEqualTo(7_000_000);
  }

  @Test
  void anotherUpstreamSecretInTheEnvironmentUpdatesTheProviderAndTheSameOneDoesNot()
      throws Exception {
    apply(keysYaml(5_000_000));

    env.put("UPSTREAM_KEY", "sk-rotated");
    Run rotated = apply(keysYaml(5_000_000));
    Run again = apply(keysYaml(5_000_000));

    assertThat(rotated.out()).contains("updated key support-bot").contains(": provider");
    assertThat(again.out()).contains("unchanged: 2 keys, 1 team");
    assertThat(keyNamed("support-bot").path("provider").path("config").path("api_key").asText())
        .isEqualTo("********");
  }

  @Test
  void aDryRunSaysWhatWouldChangeAndChangesNothing() throws Exception {
    Run dry = apply(keysYaml(5_000_000), "--dry-run");

    assertThat(dry.status()).as(dry.err()).isZero();
    assertThat(dry.out())
        .contains("Dry run: nothing was changed.")
        .contains("would create key support-bot")
        .contains("would create: 2 keys, 1 team")
        .doesNotContain("pa-");
    assertThat(pouch.admin("GET", "/api/keys", null).body()).isEmpty();
    assertThat(pouch.admin("GET", "/api/teams", null).body()).isEmpty();
  }

  @Test
  void anInlineSecretIsRefusedNamingTheFileTheLineAndTheFieldAndNothingIsCreated()
      throws Exception {
    Run refused =
        apply(
            """
            keys:
              - name: leaky
                provider:
                  id: openai
                  config:
                    api_key: sk-written-in-the-file
            """);

    assertThat(refused.status()).isEqualTo(1);
    assertThat(refused.err())
        .contains(tmp.resolve("keys.yaml") + ":6: keys[0].provider.config.api_key:")
        .contains("{env: VARIABLE}")
        .doesNotContain("sk-written-in-the-file");
    assertThat(pouch.admin("GET", "/api/keys", null).body()).isEmpty();
  }

  @Test
  void aServersRefusalIsShownAtTheFilesLineWithTheClosestField() throws Exception {
    Run refused =
        apply(
            """
            keys:
              - name: fine
                provider: {id: mock}
              - name: typo
                provider:
                  id: openai
                  config:
                    api_key: {env: UPSTREAM_KEY}
                    bse_url: http://127.0.0.1:1
            """);

    assertThat(refused.status()).isEqualTo(1);
    assertThat(refused.err())
        .contains(tmp.resolve("keys.yaml") + ":9: keys[1].provider.config.bse_url:")
        .contains("did you mean 'base_url'?");
    assertThat(pouch.admin("GET", "/api/keys", null).body())
        .as("every entry is checked before anything is written")
        .isEmpty();
  }

  @Test
  void keysOnTheServerThatTheFileDoesNotNameAreLeftAloneAndSaidSo() throws Exception {
    TestPouch.CreatedTestKey handMade = pouch.createKey(KeyBody.mock("hand-made"));

    Run run = apply(keysYaml(5_000_000));

    assertThat(run.out()).contains("left alone").contains("hand-made (" + handMade.id() + ")");
    assertThat(pouch.admin("GET", "/api/keys/" + handMade.id(), null).status()).isEqualTo(200);
  }
}
