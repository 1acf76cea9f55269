package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keys.yaml read, checked and resolved before anything is sent: lines, secrets, variables. */
class KeysFileTest {
  private static final KeysFile.Schemas SCHEMAS =
      new KeysFile.Schemas(
          Map.of(
              "openai",
              new KeysFile.PluginFields(List.of("base_url", "api_key"), Set.of("api_key"))),
          Map.of(
              "webhook_signer",
              new KeysFile.PluginFields(List.of("url", "signing_key"), Set.of("signing_key"))));

  @TempDir Path tmp;

  private Path file(String yaml) throws Exception {
    return Files.writeString(tmp.resolve("keys.yaml"), yaml);
  }

  @Test
  void anEnvironmentReferenceIsReplacedByTheVariablesValueAndNumbersStayExact() throws Exception {
    KeysFile keys =
        KeysFile.read(
            file(
                """
                keys:
                  - name: bot
                    provider:
                      id: openai
                      config:
                        api_key: {env: OPENAI_KEY}
                        base_url: https://api.openai.com/v1
                    budget_limit_micros: 5000000
                    price: 0.15
                """));

    Map<String, Object> document = keys.resolve(SCHEMAS, Map.of("OPENAI_KEY", "sk-live"));

    Map<?, ?> key = (Map<?, ?>) ((List<?>) document.get("keys")).get(0);
    Map<?, ?> config = (Map<?, ?>) ((Map<?, ?>) key.get("provider")).get("config");
    assertThat(config.get("api_key")).isEqualTo("sk-live");
    assertThat(config.get("base_url")).isEqualTo("https://api.openai.com/v1");
    assertThat(((Number) key.get("budget_limit_micros")).longValue()).isEqualTo(5_000_000);
    assertThat(key.get("price")).isEqualTo(new BigDecimal("0.15"));
  }

  @Test
  void anInlineSecretIsRefusedNamingTheFileTheLineAndTheFieldWithoutQuotingIt() throws Exception {
    Path path =
        file(
            """
            keys:
              - name: bot
                provider: {id: openai}
                middlewares:
                  - id: webhook_signer
                    config:
                      url: https://example.com
                      signing_key: whsec-inline
            """);
    KeysFile keys = KeysFile.read(path);

    assertThatThrownBy(() -> keys.resolve(SCHEMAS, Map.of()))
        .hasMessageStartingWith(path + ":8: keys[0].middlewares[0].config.signing_key: ")
        .hasMessageContaining("{env: VARIABLE}")
        .hasMessageNotContaining("whsec-inline");
  }

  @Test
  void anInlineSecretInAFallbackIsRefusedToo() throws Exception {
    Path path =
        file(
            """
            keys:
              - name: bot
                provider: {id: openai, config: {api_key: {env: OPENAI_KEY}}}
                fallbacks:
                  - id: openai
                    model: gpt-4.1
                    config:
                      api_key: sk-inline-fallback
            """);
    KeysFile keys = KeysFile.read(path);

    assertThatThrownBy(() -> keys.resolve(SCHEMAS, Map.of("OPENAI_KEY", "sk-live")))
        .hasMessageStartingWith(path + ":8: keys[0].fallbacks[0].config.api_key: ")
        .hasMessageNotContaining("sk-inline-fallback");
  }

  @Test
  void aVariableThatIsNotSetIsRefusedAtItsLine() throws Exception {
    Path path =
        file(
            """
            keys:
              - name: bot
                provider:
                  id: openai
                  config:
                    api_key: {env: MISSING_KEY}
            """);

    assertThatThrownBy(() -> KeysFile.read(path).resolve(SCHEMAS, Map.of()))
        .hasMessage(
            path
                + ":6: keys[0].provider.config.api_key: the environment variable MISSING_KEY is"
                + " not set");
  }

  @Test
  void anUnknownTopLevelFieldIsRefusedWithTheClosestOne() throws Exception {
    Path path = file("teams: []\nkyes:\n  - name: bot\n");

    assertThatThrownBy(() -> KeysFile.read(path))
        .hasMessage(path + ":2: kyes: unknown field (did you mean 'keys'?)");
  }

  @Test
  void aFieldSetTwiceInOneMappingIsRefusedAtTheSecond() throws Exception {
    Path path = file("keys:\n  - name: bot\n    name: other\n");

    assertThatThrownBy(() -> KeysFile.read(path))
        .hasMessage(path + ":3: keys[0].name: set twice in one mapping");
  }

  @Test
  void brokenYamlIsRefusedWithItsLine() throws Exception {
    Path path = file("keys:\n  - name: bot\n    provider: [unclosed\n");

    assertThatThrownBy(() -> KeysFile.read(path))
        .hasMessageStartingWith(path + ":")
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void aServerErrorOnAFieldMissingFromTheFileIsShownAtItsClosestEnclosingLine() throws Exception {
    Path path = file("keys:\n  - name: bot\n    provider:\n      id: openai\n");
    LocatedYaml yaml = KeysFile.read(path).yaml();

    assertThat(yaml.lineOf("keys[0].provider.id")).isEqualTo(4);
    assertThat(yaml.lineOf("keys[0].provider.config.api_key")).isEqualTo(3);
    assertThat(yaml.lineOf("keys[0]")).isEqualTo(2);
    assertThat(yaml.error("keys[0].budgets[2].limit_micros", "too many"))
        .isEqualTo(path + ":2: keys[0].budgets[2].limit_micros: too many");
  }
}
