package dev.pouch.domain.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PluginSchemaTest {
  /** A schema with one field of every type, as a provider might declare it. */
  private static final PluginSchema SCHEMA =
      PluginSchema.of(
          SchemaField.builder("base_url", FieldType.STRING).required().max(40).build(),
          SchemaField.builder("api_key", FieldType.SECRET).build(),
          SchemaField.builder("timeout_seconds", FieldType.INTEGER)
              .defaultValue(30)
              .min(1)
              .max(600)
              .build(),
          SchemaField.builder("temperature", FieldType.NUMBER).min(0).max(2).build(),
          SchemaField.builder("mode", FieldType.SELECT)
              .options(List.of("fast", "careful"))
              .defaultValue("fast")
              .build(),
          SchemaField.builder("verbose", FieldType.BOOLEAN).build());

  @Test
  void aValidConfigComesBackTypedWithDefaultsApplied() {
    PluginConfig config = SCHEMA.validate(Map.of("base_url", "https://api.test", "verbose", true));

    assertThat(config.string("base_url", null)).isEqualTo("https://api.test");
    assertThat(config.values().get("timeout_seconds")).isEqualTo(30L);
    assertThat(config.string("mode", null)).isEqualTo("fast");
    assertThat(config.bool("verbose", false)).isTrue();
    assertThat(config.has("api_key")).isFalse();
    assertThat(config.has("temperature")).isFalse();
  }

  @Test
  void valuesKeepTheSchemaOrder() {
    PluginConfig config =
        SCHEMA.validate(Map.of("verbose", false, "api_key", "sk-1", "base_url", "https://x"));

    assertThat(config.values().keySet())
        .containsExactly("base_url", "api_key", "timeout_seconds", "mode", "verbose");
  }

  @Test
  void anUnknownFieldIsRefusedNamingIt() {
    assertRefused(Map.of("base_url", "https://x", "colour", "blue"), "colour");
  }

  @Test
  void aMissingRequiredFieldIsRefusedNamingIt() {
    assertRefused(Map.of("mode", "fast"), "base_url");
  }

  @Test
  void anExplicitNullCountsAsMissing() {
    Map<String, Object> raw = new HashMap<>();
    raw.put("base_url", null);

    assertRefused(raw, "base_url");
  }

  @Test
  void aNullConfigIsAnEmptyOne() {
    PluginSchema optional =
        PluginSchema.of(SchemaField.builder("limit", FieldType.INTEGER).defaultValue(5L).build());

    assertThat(optional.validate(null).integer("limit", 0)).isEqualTo(5);
    assertRefused(null, "base_url");
  }

  static Stream<Arguments> wrongTypes() {
    return Stream.of(
        Arguments.of(FieldType.STRING, "base_url", 42L),
        Arguments.of(FieldType.SECRET, "api_key", true),
        Arguments.of(FieldType.INTEGER, "timeout_seconds", "30"),
        Arguments.of(FieldType.INTEGER, "timeout_seconds", false),
        Arguments.of(FieldType.NUMBER, "temperature", "0.5"),
        Arguments.of(FieldType.NUMBER, "temperature", Double.NaN),
        Arguments.of(FieldType.SELECT, "mode", 1L),
        Arguments.of(FieldType.BOOLEAN, "verbose", "true"),
        Arguments.of(FieldType.BOOLEAN, "verbose", 1L));
  }

  @ParameterizedTest(name = "{0} field {1} given {2}")
  @MethodSource("wrongTypes")
  void aValueOfTheWrongTypeIsRefusedNamingTheField(FieldType type, String field, Object value) {
    assertThat(SCHEMA.field(field).orElseThrow().type()).isEqualTo(type);
    Map<String, Object> raw = new HashMap<>();
    raw.put("base_url", "https://x");
    raw.put(field, value);

    assertRefused(raw, field);
  }

  @Test
  void integersOutsideTheirRangeAreRefused() {
    assertRefused(Map.of("base_url", "https://x", "timeout_seconds", 0L), "timeout_seconds");
    assertRefused(Map.of("base_url", "https://x", "timeout_seconds", 601L), "timeout_seconds");
  }

  @Test
  void integerBoundsAreInclusive() {
    assertThat(timeout(1L)).isEqualTo(1);
    assertThat(timeout(600L)).isEqualTo(600);
  }

  @Test
  void numbersOutsideTheirRangeAreRefused() {
    assertRefused(
        Map.of("base_url", "https://x", "temperature", new BigDecimal("2.01")), "temperature");
    assertRefused(
        Map.of("base_url", "https://x", "temperature", new BigDecimal("-0.1")), "temperature");
  }

  @Test
  void textLongerThanItsMaximumIsRefused() {
    assertRefused(Map.of("base_url", "x".repeat(41)), "base_url");
    assertThat(SCHEMA.validate(Map.of("base_url", "x".repeat(40))).string("base_url", ""))
        .hasSize(40);
  }

  @Test
  void aSelectValueOutsideItsOptionsIsRefused() {
    assertRefused(Map.of("base_url", "https://x", "mode", "reckless"), "mode");
    assertThat(SCHEMA.validate(Map.of("base_url", "https://x", "mode", "careful")).values())
        .containsEntry("mode", "careful");
  }

  @Test
  void aWholeNumberWrittenAsADecimalIsAnInteger() {
    assertThat(timeout(new BigDecimal("3.0"))).isEqualTo(3);
    assertThat(timeout(3.0d)).isEqualTo(3);
    assertThat(timeout(3)).isEqualTo(3);
    assertThat(timeout(BigInteger.valueOf(3))).isEqualTo(3);
  }

  @Test
  void aFractionIsNotAnInteger() {
    assertRefused(
        Map.of("base_url", "https://x", "timeout_seconds", new BigDecimal("3.5")),
        "timeout_seconds");
    assertRefused(Map.of("base_url", "https://x", "timeout_seconds", 3.5d), "timeout_seconds");
  }

  @Test
  void integersAreHeldAsLongs() {
    PluginConfig config = SCHEMA.validate(Map.of("base_url", "https://x", "timeout_seconds", 7));

    assertThat(config.values().get("timeout_seconds")).isInstanceOf(Long.class).isEqualTo(7L);
  }

  @Test
  void numbersKeepTheDigitsAsWrittenNotTheBinaryDouble() {
    PluginConfig config = SCHEMA.validate(Map.of("base_url", "https://x", "temperature", 0.1d));

    assertThat(config.decimal("temperature", null)).isEqualTo(new BigDecimal("0.1"));
  }

  @Test
  void anIntegerBeyond64BitsIsRefused() {
    PluginSchema unbounded =
        PluginSchema.of(SchemaField.builder("count", FieldType.INTEGER).build());

    RequestRejectedException refused =
        catchThrowableOfType(
            RequestRejectedException.class,
            () -> unbounded.validate(Map.of("count", BigInteger.TWO.pow(70))));

    assertThat(refused.param()).isEqualTo("count");
  }

  @Test
  void anInvalidDefaultIsCaughtLikeAnInvalidValue() {
    PluginSchema broken =
        PluginSchema.of(
            SchemaField.builder("retries", FieldType.INTEGER).defaultValue(99L).max(5).build());

    assertThatThrownBy(() -> broken.validate(Map.of()))
        .isInstanceOfSatisfying(
            RequestRejectedException.class, e -> assertThat(e.param()).isEqualTo("retries"));
  }

  @Test
  void duplicateFieldNamesAndOptionlessSelectsAreSchemaBugs() {
    SchemaField url = SchemaField.builder("url", FieldType.STRING).build();

    assertThatThrownBy(() -> PluginSchema.of(url, url))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SchemaField.builder("mode", FieldType.SELECT).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aConfigNeverPrintsItsValues() {
    PluginConfig config = SCHEMA.validate(Map.of("base_url", "https://x", "api_key", "sk-secret"));

    assertThat(config.toString()).contains("api_key").doesNotContain("sk-secret");
  }

  @Test
  void restoringAStoredConfigRefusesValuesOfUnexpectedTypes() {
    assertThat(PluginConfig.restore(Map.of("n", 3L)).integer("n", 0)).isEqualTo(3);
    assertThatThrownBy(() -> PluginConfig.restore(Map.of("n", 3)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void pairsKeepTheirOrderAndRefuseMalformedOrRepeatedNames() {
    assertThat(PluginSchema.parsePairs(" fast = small ,\nsmart=big,, "))
        .containsExactly(Map.entry("fast", "small"), Map.entry("smart", "big"));
    assertThatThrownBy(() -> PluginSchema.parsePairs("fast")).hasMessageContaining("name=value");
    assertThatThrownBy(() -> PluginSchema.parsePairs("=x")).hasMessageContaining("name=value");
    assertThatThrownBy(() -> PluginSchema.parsePairs("a=b,a=c")).hasMessageContaining("twice");
  }

  @Test
  void numbersAreSortedWithoutRepeatsAndMustBeWholeAndNonNegative() {
    assertThat(PluginSchema.parseNumbers("80, 50,100,50")).containsExactly(50L, 80L, 100L);
    assertThatThrownBy(() -> PluginSchema.parseNumbers("50, -1")).hasMessageContaining("-1");
    assertThatThrownBy(() -> PluginSchema.parseNumbers("1.5")).hasMessageContaining("1.5");
    assertThatThrownBy(() -> PluginSchema.parseNumbers(" , ")).hasMessageContaining("no number");
  }

  private static long timeout(Object value) {
    return SCHEMA
        .validate(Map.of("base_url", "https://x", "timeout_seconds", value))
        .integer("timeout_seconds", -1);
  }

  private static void assertRefused(Map<String, ?> raw, String field) {
    RequestRejectedException refused =
        catchThrowableOfType(RequestRejectedException.class, () -> SCHEMA.validate(raw));

    assertThat(refused).as("validation of %s", raw).isNotNull();
    assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_CONFIG);
    assertThat(refused.param()).isEqualTo(field);
    assertThat(refused.getMessage()).contains(field);
  }
}
