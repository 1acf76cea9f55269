package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.error.RequestRejectedException;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** A key's own price rows over the server's price book. */
class KeyPricesTest {
  private final PriceBook server = new PriceBook(null, Clock.systemUTC());

  private static String row(String id, String input, String output) {
    return "{\"id\": \""
        + id
        + "\", \"input_usd_per_mtok\": \""
        + input
        + "\", \"output_usd_per_mtok\": \""
        + output
        + "\", \"context_window\": 128000, \"max_output_tokens\": 16384}";
  }

  @Test
  void aKeysRowWinsOverTheServersAndTheRestStayTheServers() {
    KeyPrices prices = KeyPrices.parse("[" + row("gpt-4o-mini", "0.10", "0.40") + "]", server);

    assertThat(prices.find("gpt-4o-mini").orElseThrow().price().inputPerMTok()).isEqualTo(100_000);
    assertThat(prices.find("gpt-4o-mini-2024-07-18").orElseThrow().price().outputPerMTok())
        .as("a dated snapshot is priced by the key's row too")
        .isEqualTo(400_000);
    assertThat(prices.find("gpt-4o")).isEqualTo(server.find("gpt-4o"));
    assertThat(prices.find("llama-3.3-70b")).isEmpty();
    assertThat(prices.models()).hasSize(server.models().size());
  }

  @Test
  void aKeysRowsAreNamedInWhatTheyPriceSoALogRowSaysWhichRevisionPricedIt() {
    KeyPrices first = KeyPrices.parse("[" + row("llama", "0.59", "0.79") + "]", server);
    KeyPrices second = KeyPrices.parse("[" + row("llama", "0.60", "0.79") + "]", server);

    String pricedAs = first.modelInfo("llama").orElseThrow().pricedAs();
    assertThat(pricedAs).startsWith("llama@key-");
    assertThat(second.modelInfo("llama").orElseThrow().pricedAs()).isNotEqualTo(pricedAs);
    assertThat(first.version()).startsWith(server.version() + "+key-");
  }

  @Test
  void rowsWithoutTheirLimitsOrWithAnUnknownFieldAreRefusedNamingTheField() {
    for (String rows :
        new String[] {
          "[{\"id\": \"m\", \"input_usd_per_mtok\": \"1\", \"output_usd_per_mtok\": \"1\"}]",
          "[" + row("m", "1", "1").replace("}", ", \"discount\": 1}") + "]",
          "{\"id\": \"m\"}",
          "not json"
        }) {
      assertThatThrownBy(() -> KeyPrices.parse(rows, server))
          .as(rows)
          .isInstanceOfSatisfying(
              RequestRejectedException.class,
              refused -> {
                assertThat(refused.param()).isEqualTo("provider.config.prices");
                assertThat(refused.getMessage()).contains("JSON array of entries");
              });
    }
  }
}
