package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admin input that would break every request of a key (a header value OkHttp refuses) or overflow
 * time and money arithmetic later is refused when a key is created and when it is edited: 400
 * naming the field, never echoing the value, nothing stored. Values at the bounds still serve.
 */
class AdminInputBoundsTest extends ServerTest {
  private static final String SECRET = "sk-test-upstream-secret";
  private static final long HUNDRED_YEARS = 3_155_760_000L;
  private static final Map<String, Object> HELLO =
      Map.of(
          "model",
          "gpt-4o-mini",
          "max_tokens",
          4,
          "messages",
          List.of(Map.of("role", "user", "content", "hello")));

  private FakeOpenAiUpstream upstream;
  private TestPouch.CreatedTestKey openAiKey;
  private TestPouch.CreatedTestKey mockKey;

  @BeforeEach
  void createOneKeyOfEachProvider() {
    upstream = FakeOpenAiUpstream.start(0, FakeUpstreamSettings.DEFAULT.withResponseText("ok"));
    openAiKey = pouch.createKey(KeyBody.openAi("upstream", upstream.baseUrl()));
    mockKey = pouch.createKey(KeyBody.mock("simulated").prices("1", "2").budgetMicros(1_000_000));
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  private KeyBody openAi() {
    return KeyBody.openAi("edited", upstream.baseUrl());
  }

  /**
   * POST and PUT both answer 400 naming {@code param}, show none of {@code hidden}, store nothing.
   */
  private void assertRefused(
      KeyBody body, TestPouch.CreatedTestKey target, String param, String code, String... hidden) {
    String before = pouch.admin("GET", "/api/keys", null).raw();
    List<TestPouch.Reply> replies =
        List.of(
            pouch.admin("POST", "/api/keys", body.toMap()),
            pouch.admin("PUT", "/api/keys/" + target.id(), body.toMap()));
    for (TestPouch.Reply reply : replies) {
      assertThat(reply.status()).as(param + ": " + reply.raw()).isEqualTo(400);
      assertThat(reply.errorType()).isEqualTo("invalid_request_error");
      assertThat(reply.errorCode()).as(reply.raw()).isEqualTo(code);
      assertThat(reply.body().at("/error/param").asText()).as(reply.raw()).isEqualTo(param);
      assertThat(reply.body().at("/error/message").asText()).isNotBlank();
      for (String value : hidden) {
        assertThat(reply.raw()).as("the refusal of " + param).doesNotContain(value);
      }
    }
    assertThat(pouch.admin("GET", "/api/keys", null).raw())
        .as("nothing stored after refusing " + param)
        .isEqualTo(before);
  }

  private void assertBothKeysStillServe() {
    assertThat(pouch.chat(openAiKey, HELLO).status()).isEqualTo(200);
    assertThat(pouch.chat(mockKey, HELLO).status()).isEqualTo(200);
  }

  @Test
  void headerValuesWithControlOrNonAsciiCharactersAreRefusedWithoutEchoingThem() {
    String apiKey = "provider.config.api_key";
    String organization = "provider.config.organization";
    String baseUrl = "provider.config.base_url";
    assertRefused(
        openAi().providerSetting("api_key", SECRET + "\n"),
        openAiKey,
        apiKey,
        "invalid_config",
        SECRET);
    assertRefused(
        openAi().providerSetting("api_key", " " + SECRET),
        openAiKey,
        apiKey,
        "invalid_config",
        SECRET);
    assertRefused(
        openAi().providerSetting("api_key", "sk-t\u00ebst-" + SECRET),
        openAiKey,
        apiKey,
        "invalid_config",
        SECRET,
        "t\u00ebst");
    assertRefused(
        openAi().providerSetting("api_key", "sk-tab\tsecretvalue"),
        openAiKey,
        apiKey,
        "invalid_config",
        "secretvalue");
    assertRefused(
        openAi().providerSetting("organization", "org-\u00fc"),
        openAiKey,
        organization,
        "invalid_config",
        SECRET,
        "org-\u00fc");
    assertRefused(
        openAi().providerSetting("organization", "org-1\r\nX-Injected: yes"),
        openAiKey,
        organization,
        "invalid_config",
        SECRET,
        "X-Injected");
    assertRefused(
        openAi().providerSetting("base_url", upstream.baseUrl() + "\u0000"),
        openAiKey,
        baseUrl,
        "invalid_config",
        SECRET);
    assertRefused(
        openAi().providerSetting("base_url", "http://ex\u00e4mple.test/v1"),
        openAiKey,
        baseUrl,
        "invalid_config",
        SECRET);

    assertBothKeysStillServe();
  }

  @Test
  void farOffExpiriesHugePeriodsAndPricesAreRefused() {
    String[] expiries = {
      "+10000-01-01T00:00:00Z",
      "+1000000000-12-31T23:59:59.999999999Z",
      "-1000000000-01-01T00:00:00Z",
      "1969-12-31T23:59:59Z",
    };
    for (String expiry : expiries) {
      assertRefused(
          KeyBody.mock("k").expiresAt(expiry, true), mockKey, "expires_at", "invalid_request");
    }
    for (long period : new long[] {Long.MAX_VALUE, HUNDRED_YEARS + 1}) {
      assertRefused(
          KeyBody.mock("k").resetPeriodSeconds(period),
          mockKey,
          "reset_period_seconds",
          "invalid_request");
    }
    assertRefused(
        KeyBody.mock("k").providerSetting("input_usd_per_mtok", new BigDecimal("1e20")),
        mockKey,
        "provider.config.input_usd_per_mtok",
        "invalid_config");
    assertRefused(
        KeyBody.mock("k").providerSetting("input_usd_per_mtok", new BigDecimal("9223372036854")),
        mockKey,
        "provider.config.input_usd_per_mtok",
        "invalid_config");
    assertRefused(
        KeyBody.mock("k").providerSetting("output_usd_per_mtok", new BigDecimal("10000.000001")),
        mockKey,
        "provider.config.output_usd_per_mtok",
        "invalid_config");

    assertBothKeysStillServe();
  }

  @Test
  void valuesAtTheBoundsAreAcceptedAndServeRequests() {
    KeyBody atBounds =
        KeyBody.mock("at-bounds")
            .prices("10000", "10000")
            .budgetMicros(1_000_000_000_000L)
            .resetPeriodSeconds(HUNDRED_YEARS)
            .expiresAt("9999-12-31T23:59:59Z", true);
    TestPouch.CreatedTestKey key = pouch.createKey(atBounds);

    TestPouch.Reply served = pouch.chat(key, HELLO);
    assertThat(served.status()).as(served.raw()).isEqualTo(200);
    TestPouch.Reply view = pouch.admin("GET", "/api/keys/" + key.id(), null);
    assertThat(view.body().at("/expires_at").asText()).isEqualTo("9999-12-31T23:59:59Z");
    assertThat(view.body().at("/budget/reset_period_seconds").asLong()).isEqualTo(HUNDRED_YEARS);
    assertThat(view.body().at("/budget/spent_micros").asLong()).isPositive();
    assertThat(pouch.admin("PUT", "/api/keys/" + key.id(), atBounds.toMap()).status())
        .isEqualTo(200);
    assertThat(
            pouch
                .admin(
                    "PUT",
                    "/api/keys/" + key.id(),
                    KeyBody.mock("at-bounds").expiresAt("1970-01-01T00:00:00Z", false).toMap())
                .status())
        .isEqualTo(200);

    String visibleAscii = "sk-proj_AZaz09-._~+/=!#$%&'*^`|";
    TestPouch.CreatedTestKey upstreamKey =
        pouch.createKey(
            openAi()
                .providerSetting("api_key", visibleAscii)
                .providerSetting("organization", "org-AbC123"));
    assertThat(pouch.chat(upstreamKey, HELLO).status()).isEqualTo(200);
    assertThat(upstream.lastAuthorization()).contains("Bearer " + visibleAscii);
  }
}
