package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.provider.ModelInfo;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The bundled table's sanity, the JSON format's strictness, and fail-closed model matching. */
class PriceTableTest {
  private static final PriceTable BUNDLED = PriceTable.bundled();

  @Test
  void everyBundledEntryIsSaneAndUnique() {
    assertThat(BUNDLED.version()).isEqualTo("2026-11-25");
    assertThat(BUNDLED.source()).contains("max_image_tokens").contains("Reasoning tokens");
    assertThat(BUNDLED.models()).hasSizeGreaterThanOrEqualTo(23);
    Set<String> ids = new HashSet<>();
    for (PricedModel model : BUNDLED.models()) {
      ModelPrice price = model.price();
      assertThat(ids.add(model.id())).as("unique id %s", model.id()).isTrue();
      assertThat(price.inputPerMTok()).as(model.id()).isPositive();
      if (model.id().startsWith("text-embedding-")) {
        assertThat(price.outputPerMTok()).as("%s bills no output", model.id()).isZero();
      } else {
        assertThat(price.outputPerMTok()).as(model.id()).isPositive();
      }
      assertThat(price.cachedInputPerMTok()).as(model.id()).isBetween(1L, price.inputPerMTok());
      assertThat(model.maxOutputTokens()).as(model.id()).isBetween(1L, model.contextWindow());
      assertThat(model.maxImageTokens()).as(model.id()).isGreaterThanOrEqualTo(1_445);
      assertThat(model.provenance()).as(model.id()).contains("2026-11-25");
      assertThat(model.encoding()).as(model.id()).isNotEqualTo(TokenEncoding.BYTES);
      for (var tier : model.tiers()) {
        assertThat(tier.price().inputPerMTok()).isGreaterThanOrEqualTo(price.inputPerMTok());
        assertThat(tier.price().outputPerMTok()).isGreaterThanOrEqualTo(price.outputPerMTok());
      }
    }
  }

  @Test
  void bundledPricesAreReadAsExactMicroDollars() {
    PricedModel gpt4o = BUNDLED.find("gpt-4o").orElseThrow();
    PricedModel nano = BUNDLED.find("gpt-5-nano").orElseThrow();
    PricedModel pro = BUNDLED.find("gpt-5-pro").orElseThrow();

    assertThat(gpt4o.price()).isEqualTo(new ModelPrice(2_500_000, 1_250_000, 10_000_000));
    assertThat(gpt4o.contextWindow()).isEqualTo(128_000);
    assertThat(gpt4o.maxOutputTokens()).isEqualTo(16_384);
    assertThat(gpt4o.encoding()).isEqualTo(TokenEncoding.O200K_BASE);
    assertThat(nano.price()).isEqualTo(new ModelPrice(50_000, 5_000, 400_000));
    assertThat(nano.reasoning()).isTrue();
    assertThat(pro.price())
        .as("no cached price = no discount")
        .isEqualTo(ModelPrice.of(15_000_000, 120_000_000));
    assertThat(BUNDLED.find("gpt-4").orElseThrow().encoding()).isEqualTo(TokenEncoding.CL100K_BASE);
  }

  @Test
  void longContextTiersAreSortedAndAppliedThroughModelInfo() {
    PricedModel gpt54 = BUNDLED.find("gpt-5.4").orElseThrow();
    assertThat(gpt54.provenance()).contains("secondary sources").contains("verify");

    ModelInfo info = gpt54.toModelInfo("gpt-5.4-2026-03-05", "gpt-5.4@test");

    assertThat(info.id()).isEqualTo("gpt-5.4-2026-03-05");
    assertThat(info.pricedAs()).isEqualTo("gpt-5.4@test");
    assertThat(info.contextWindow()).isEqualTo(1_050_000);
    assertThat(info.priceFor(272_000)).isEqualTo(new ModelPrice(2_500_000, 250_000, 15_000_000));
    assertThat(info.priceFor(272_001)).isEqualTo(new ModelPrice(5_000_000, 500_000, 22_500_000));
  }

  @Test
  void tiersGivenOutOfOrderAreSorted() {
    PriceTable table =
        parse(
            entry(
                "m",
                "\"long_context\": ["
                    + "{\"above_input_tokens\": 200, \"input_usd_per_mtok\": \"3\","
                    + " \"output_usd_per_mtok\": \"3\"},"
                    + "{\"above_input_tokens\": 100, \"input_usd_per_mtok\": \"2\","
                    + " \"output_usd_per_mtok\": \"2\"}]"));

    ModelInfo info = table.modelInfo("m").orElseThrow();

    assertThat(table.find("m").orElseThrow().tiers())
        .extracting(tier -> tier.aboveInputTokens())
        .containsExactly(100L, 200L);
    assertThat(info.priceFor(150).inputPerMTok()).isEqualTo(2_000_000);
    assertThat(info.priceFor(201).inputPerMTok()).isEqualTo(3_000_000);
    assertThat(info.pricedAs()).isEqualTo("m@t1");
  }

  @ParameterizedTest(name = "{0} is priced as {1}")
  @CsvSource({
    "gpt-4o, gpt-4o",
    "gpt-4o-2024-08-06, gpt-4o",
    "gpt-4o-2024-11-20, gpt-4o",
    "gpt-4o-2024-05-13, gpt-4o-2024-05-13",
    "gpt-4o-mini-2024-07-18, gpt-4o-mini",
    "gpt-3.5-turbo-0125, gpt-3.5-turbo",
    "gpt-3.5-turbo-1106, gpt-3.5-turbo-1106",
    "gpt-4-0613, gpt-4",
    "gpt-4-turbo-2024-04-09, gpt-4-turbo",
    "gpt-4.1-mini-2025-04-14, gpt-4.1-mini",
    "o1-pro-2025-03-19, o1-pro",
    "gpt-5-2025-08-07, gpt-5"
  })
  void snapshotsArePricedByTheMostSpecificEntry(String model, String pricedAs) {
    assertThat(BUNDLED.find(model)).map(PricedModel::id).contains(pricedAs);
  }

  @ParameterizedTest(name = "{0} is not priced")
  @ValueSource(
      strings = {
        "o1-pro-x",
        "gpt-4o-realtime-preview",
        "gpt-4-32k",
        "gpt-4-32k-0613",
        "gpt-4-1106-preview",
        "gpt-4o-audio-preview-2024-12-17",
        "GPT-4o",
        "gpt-4o-2024-08",
        "gpt-4o-20240806",
        "gpt-4o-2024-08-06-x",
        "gpt-4o-",
        "gpt-4o-12345",
        "llama-3.1-8b",
        ""
      })
  void anythingButADatedSnapshotFailsClosed(String model) {
    assertThat(BUNDLED.find(model)).isEmpty();
    assertThat(BUNDLED.find(null)).isEmpty();
  }

  @Test
  void anOverrideReplacesEntriesWholeAndAddsNewOnes() {
    PriceTable override =
        PriceTable.parse(
            stream(
                "{\"version\": \"mine\", \"models\": ["
                    + "{\"id\": \"gpt-4o\", \"input_usd_per_mtok\": 1, \"output_usd_per_mtok\": 2,"
                    + " \"context_window\": 1000, \"max_output_tokens\": 100},"
                    + "{\"id\": \"llama-3.1-8b\", \"input_usd_per_mtok\": \"0\","
                    + " \"output_usd_per_mtok\": \"0\", \"context_window\": 131072,"
                    + " \"max_output_tokens\": 4096}]}"),
            "prices.json");

    PriceTable merged = BUNDLED.overriddenBy(override);

    assertThat(merged.version()).isEqualTo("2026-11-25+mine");
    assertThat(merged.models()).hasSize(BUNDLED.models().size() + 1);
    PricedModel gpt4o = merged.find("gpt-4o-2024-08-06").orElseThrow();
    assertThat(gpt4o.price()).isEqualTo(ModelPrice.of(1_000_000, 2_000_000));
    // Whole replacement: defaults, not the bundled entry's values, fill what the override omits.
    assertThat(gpt4o.encoding()).isEqualTo(TokenEncoding.BYTES);
    assertThat(gpt4o.maxImageTokens()).isEqualTo(PriceTable.DEFAULT_MAX_IMAGE_TOKENS);
    assertThat(gpt4o.provenance()).isEqualTo("prices.json");
    assertThat(merged.find("llama-3.1-8b").orElseThrow().price()).isEqualTo(ModelPrice.FREE);
    assertThat(merged.find("gpt-4o-mini")).isEqualTo(BUNDLED.find("gpt-4o-mini"));
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "\"input_usd_per_mtok\": \"-1\"|field 'input_usd_per_mtok' cannot be negative",
        "\"input_usd_per_mtok\": \"abc\"|field 'input_usd_per_mtok' must be a decimal",
        "\"input_usd_per_mtok\": true|field 'input_usd_per_mtok' must be a decimal string or number",
        "\"cached_input_usd_per_mtok\": \"9\"|'cached_input_usd_per_mtok' cannot exceed",
        "\"context_window\": 0|field 'context_window' must be a positive integer",
        "\"max_output_tokens\": 1.5|field 'max_output_tokens' must be a positive integer",
        "\"max_output_tokens\": 5000|max output tokens cannot exceed the context window",
        "\"max_image_tokens\": -3|field 'max_image_tokens' must be a positive integer",
        "\"encoding\": \"p50k_base\"|field 'encoding': unknown encoding 'p50k_base'",
        "\"reasoning\": \"yes\"|field 'reasoning' must be true or false",
        "\"colour\": \"red\"|unknown field 'colour'",
        "\"long_context\": [{\"above_input_tokens\": 10, \"input_usd_per_mtok\": \"0.5\","
            + " \"output_usd_per_mtok\": \"5\"}]|cheaper than the one below",
        "\"long_context\": [{\"above_input_tokens\": 10, \"input_usd_per_mtok\": \"5\","
            + " \"output_usd_per_mtok\": \"5\", \"extra\": 1}]|long_context[0] has an unknown"
            + " field 'extra'"
      })
  void aBrokenEntryIsRefusedNamingTheEntryAndField(String field, String message) {
    assertThatThrownBy(() -> parse(entry("my-model", field)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prices.json: models[0] (id 'my-model')")
        .hasMessageContaining(message);
  }

  @Test
  void aBrokenTableIsRefused() {
    assertThatThrownBy(() -> PriceTable.parse(stream("{\"models\": []}"), "p.json"))
        .hasMessageContaining("p.json: field 'version'");
    assertThatThrownBy(() -> PriceTable.parse(stream("{\"version\": \"v\"}"), "p.json"))
        .hasMessageContaining("field 'models' must be an array");
    assertThatThrownBy(
            () ->
                PriceTable.parse(
                    stream("{\"version\": \"v\", \"models\": [], \"x\": 1}"), "p.json"))
        .hasMessageContaining("unknown field 'x'");
    assertThatThrownBy(
            () -> PriceTable.parse(stream("{\"version\": \"v\", \"version\": \"w\"}"), "p.json"))
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> PriceTable.parse(stream("{\"version\": "), "p.json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("p.json: not valid JSON");
    assertThatThrownBy(() -> PriceTable.parse(stream("[]"), "p.json"))
        .hasMessageContaining("must be a JSON object");
    assertThatThrownBy(
            () -> PriceTable.parse(stream(table(minimal("a") + "," + minimal("a"))), "p.json"))
        .hasMessageContaining("models[1] repeats the id 'a'");
    assertThatThrownBy(
            () -> PriceTable.parse(stream(table("{\"input_usd_per_mtok\": 1}")), "p.json"))
        .hasMessageContaining("models[0] field 'id' is required");
  }

  @Test
  void pricesMayBeNumbersAndFractionsOfAMicroDollarRoundUp() {
    PriceTable table =
        parse(
            "{\"id\": \"m\", \"input_usd_per_mtok\": 0.1, \"cached_input_usd_per_mtok\": \"0.0000001\","
                + " \"output_usd_per_mtok\": 2.5e-1, \"context_window\": 10,"
                + " \"max_output_tokens\": 10}");

    assertThat(table.find("m").orElseThrow().price())
        .isEqualTo(new ModelPrice(100_000, 1, 250_000));
  }

  private static PriceTable parse(String entries) {
    return PriceTable.parse(stream(table(entries)), "prices.json");
  }

  /** A valid entry with one field added or replaced. */
  private static String entry(String id, String field) {
    String name = field.substring(0, field.indexOf(':'));
    StringBuilder json = new StringBuilder("{\"id\": \"" + id + "\"");
    String[][] defaults = {
      {"\"input_usd_per_mtok\"", "\"1\""},
      {"\"output_usd_per_mtok\"", "\"2\""},
      {"\"context_window\"", "1000"},
      {"\"max_output_tokens\"", "100"}
    };
    for (String[] pair : defaults) {
      if (!pair[0].equals(name)) {
        json.append(", ").append(pair[0]).append(": ").append(pair[1]);
      }
    }
    return json.append(", ").append(field).append('}').toString();
  }

  private static String minimal(String id) {
    return entry(id, "\"reasoning\": false");
  }

  private static String table(String entries) {
    return "{\"version\": \"t1\", \"source\": \"test\", \"models\": [" + entries + "]}";
  }

  private static ByteArrayInputStream stream(String json) {
    return new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
  }
}
