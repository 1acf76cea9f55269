package dev.pouch.server;

import dev.pouch.adapters.anthropic.AnthropicProviderFactory;
import dev.pouch.application.port.in.DriftThreshold;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * How {@code GET /api/reconciliation} reads the providers' bills: their admin keys (secrets, from
 * the environment only) and API roots, and when a drift is flagged.
 *
 * @param openAiAdminKey an OpenAI organization admin key ({@code sk-admin-…}), or {@code null}
 * @param openAiAdminBaseUrl the root of OpenAI's Costs and Usage APIs, or {@code null} for the
 *     server's {@code --openai-base-url}
 * @param anthropicAdminKey an Anthropic admin key ({@code sk-ant-admin…}), or {@code null}
 * @param anthropicAdminBaseUrl the root of Anthropic's Usage and Cost Admin API
 * @param drift when a difference is flagged
 */
public record ReconciliationConfig(
    String openAiAdminKey,
    String openAiAdminBaseUrl,
    String anthropicAdminKey,
    String anthropicAdminBaseUrl,
    DriftThreshold drift) {

  public static final ReconciliationConfig DEFAULTS =
      new ReconciliationConfig(
          null, null, null, AnthropicProviderFactory.DEFAULT_BASE_URL, DriftThreshold.DEFAULT);

  public ReconciliationConfig {
    Objects.requireNonNull(anthropicAdminBaseUrl, "anthropicAdminBaseUrl");
    Objects.requireNonNull(drift, "drift");
  }

  public ReconciliationConfig withOpenAi(String adminKey, String baseUrl) {
    return new ReconciliationConfig(
        adminKey, baseUrl, anthropicAdminKey, anthropicAdminBaseUrl, drift);
  }

  public ReconciliationConfig withAnthropic(String adminKey, String baseUrl) {
    return new ReconciliationConfig(openAiAdminKey, openAiAdminBaseUrl, adminKey, baseUrl, drift);
  }

  public ReconciliationConfig withDrift(DriftThreshold value) {
    return new ReconciliationConfig(
        openAiAdminKey, openAiAdminBaseUrl, anthropicAdminKey, anthropicAdminBaseUrl, value);
  }

  /**
   * Reads {@code --openai-admin-base-url --anthropic-admin-base-url --reconciliation-drift-percent
   * --reconciliation-drift-floor-micros} and the admin keys {@code POUCH_OPENAI_ADMIN_KEY
   * POUCH_ANTHROPIC_ADMIN_KEY}.
   *
   * @throws IllegalArgumentException naming the flag at fault
   */
  static ReconciliationConfig parse(Settings settings) {
    String percentText = settings.valueOrDefault(Setting.RECONCILIATION_DRIFT_PERCENT);
    BigDecimal percent;
    try {
      percent = new BigDecimal(percentText);
    } catch (NumberFormatException notANumber) {
      throw new IllegalArgumentException(
          "reconciliation-drift-percent must be a number, got '" + percentText + "'");
    }
    if (percent.signum() < 0 || percent.compareTo(BigDecimal.valueOf(100)) > 0) {
      throw new IllegalArgumentException("reconciliation-drift-percent must be 0 to 100");
    }
    long floor = settings.number(Setting.RECONCILIATION_DRIFT_FLOOR_MICROS);
    if (floor < 0) {
      throw new IllegalArgumentException("reconciliation-drift-floor-micros cannot be negative");
    }
    return new ReconciliationConfig(
        settings.value(Setting.OPENAI_ADMIN_KEY),
        settings.value(Setting.OPENAI_ADMIN_BASE_URL),
        settings.value(Setting.ANTHROPIC_ADMIN_KEY),
        settings.valueOrDefault(Setting.ANTHROPIC_ADMIN_BASE_URL),
        new DriftThreshold(percent, floor));
  }

  /** Never prints the admin keys. */
  @Override
  public String toString() {
    return "ReconciliationConfig[openAiAdminKey="
        + (openAiAdminKey == null ? "none" : "set")
        + ", openAiAdminBaseUrl="
        + openAiAdminBaseUrl
        + ", anthropicAdminKey="
        + (anthropicAdminKey == null ? "none" : "set")
        + ", anthropicAdminBaseUrl="
        + anthropicAdminBaseUrl
        + ", drift="
        + drift
        + "]";
  }
}
