package dev.pouch.adapters.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.SchemaField;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderFactory;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MockProviderFactoryTest {
  private final MockProviderFactory factory = new MockProviderFactory();

  @Test
  void describes_itself_as_the_mock_provider() {
    assertThat(factory.info().id()).isEqualTo("mock");
    assertThat(factory.info().displayName()).isEqualTo("Mock");
    assertThat(factory.info().description()).isNotBlank();
    assertThat(factory.info().schema().fields())
        .extracting(SchemaField::name)
        .containsExactly(
            "response_text",
            "input_usd_per_mtok",
            "output_usd_per_mtok",
            "latency_ms",
            "stream_chunk_delay_ms",
            "ignore_max_tokens",
            "fail_after_chunks",
            "max_output_tokens",
            "context_window");
    SchemaField price = factory.info().schema().field("input_usd_per_mtok").orElseThrow();
    assertThat(price.type()).isEqualTo(FieldType.NUMBER);
    assertThat(price.role()).isEqualTo("price");
  }

  @Test
  void an_empty_config_gets_every_default() {
    PluginConfig config = factory.info().schema().validate(Map.of());

    assertThat(config.values())
        .containsEntry("response_text", MockBehavior.DEFAULT_RESPONSE_TEXT)
        .containsEntry("input_usd_per_mtok", BigDecimal.ZERO)
        .containsEntry("output_usd_per_mtok", BigDecimal.ZERO)
        .containsEntry("latency_ms", 0L)
        .containsEntry("stream_chunk_delay_ms", 0L)
        .containsEntry("ignore_max_tokens", false)
        .containsEntry("fail_after_chunks", 0L)
        .containsEntry("max_output_tokens", 4096L)
        .containsEntry("context_window", 128_000L);
    ModelInfo model = factory.create(config).model("anything").orElseThrow();
    assertThat(model)
        .isEqualTo(
            new ModelInfo(
                "anything", ModelPrice.FREE, List.of(), 128_000, 4096, MockProvider.PRICED_AS));
  }

  @Test
  void a_sample_config_is_typed_and_prices_become_micro_dollars_per_million_tokens() {
    PluginConfig config =
        factory
            .info()
            .schema()
            .validate(
                Map.of(
                    "response_text",
                    "One two three",
                    "input_usd_per_mtok",
                    2.5,
                    "output_usd_per_mtok",
                    new BigDecimal("10.0000005"),
                    "latency_ms",
                    5,
                    "max_output_tokens",
                    100,
                    "context_window",
                    1000));

    assertThat(config.values()).containsEntry("latency_ms", 5L);
    Provider provider = factory.create(config);
    assertThat(provider.model("gpt-whatever"))
        .contains(
            new ModelInfo(
                "gpt-whatever",
                ModelPrice.of(2_500_000, 10_000_001),
                List.of(),
                1000,
                100,
                MockProvider.PRICED_AS));
    assertThat(provider.models()).extracting(ModelInfo::id).containsExactly("mock-model");
  }

  @Test
  void out_of_range_wrong_typed_and_unknown_fields_are_refused_by_name() {
    assertThatThrownBy(() -> factory.info().schema().validate(Map.of("latency_ms", -1)))
        .isInstanceOf(RequestRejectedException.class)
        .extracting("param")
        .isEqualTo("latency_ms");
    assertThatThrownBy(() -> factory.info().schema().validate(Map.of("max_output_tokens", 0)))
        .extracting("param")
        .isEqualTo("max_output_tokens");
    assertThatThrownBy(() -> factory.info().schema().validate(Map.of("ignore_max_tokens", "yes")))
        .extracting("param")
        .isEqualTo("ignore_max_tokens");
    assertThatThrownBy(
            () -> factory.info().schema().validate(Map.of("response_text", "x".repeat(100_001))))
        .extracting("param")
        .isEqualTo("response_text");
    assertThatThrownBy(() -> factory.info().schema().validate(Map.of("temperature", 1)))
        .extracting("param")
        .isEqualTo("temperature");
  }

  @Test
  void prices_above_ten_thousand_dollars_per_million_tokens_are_refused_by_name() {
    for (String field : List.of("input_usd_per_mtok", "output_usd_per_mtok")) {
      assertThat(factory.info().schema().field(field).orElseThrow().max())
          .isEqualByComparingTo("10000");
      for (String price : List.of("10000.000001", "9223372036854.775807", "1e20")) {
        assertThatThrownBy(
                () -> factory.info().schema().validate(Map.of(field, new BigDecimal(price))))
            .isInstanceOf(RequestRejectedException.class)
            .extracting("param")
            .isEqualTo(field);
      }
    }
  }

  @Test
  void the_highest_prices_cannot_overflow_a_worst_case_of_ten_million_tokens() {
    PluginConfig config =
        factory
            .info()
            .schema()
            .validate(Map.of("input_usd_per_mtok", 10_000, "output_usd_per_mtok", 10_000));

    ModelPrice price = factory.create(config).model("m").orElseThrow().price();

    assertThat(price).isEqualTo(ModelPrice.of(10_000_000_000L, 10_000_000_000L));
    assertThat(price.worstCase(10_000_000, 10_000_000)).isEqualTo(200_000_000_000L);
  }

  @Test
  void a_stored_price_above_the_bound_is_a_config_error_naming_the_field() {
    PluginConfig stored =
        PluginConfig.restore(Map.of("output_usd_per_mtok", new BigDecimal("1e20")));

    assertThatThrownBy(() -> factory.create(stored))
        .isInstanceOf(RequestRejectedException.class)
        .hasMessageContaining("output_usd_per_mtok")
        .extracting("code", "param")
        .containsExactly(ErrorCode.INVALID_CONFIG, "provider.config.output_usd_per_mtok");
  }

  @Test
  void is_found_through_the_service_loader() {
    assertThat(ServiceLoader.load(ProviderFactory.class))
        .anyMatch(found -> found instanceof MockProviderFactory);
  }
}
