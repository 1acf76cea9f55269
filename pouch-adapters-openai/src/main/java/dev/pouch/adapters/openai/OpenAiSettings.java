package dev.pouch.adapters.openai;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Server-wide settings of the {@code openai} provider.
 *
 * @param defaultApiKey API key for keys that carry none ({@code OPENAI_API_KEY}), or {@code null}
 * @param defaultBaseUrl base URL for keys that set none ({@code --openai-base-url})
 * @param pricesOverride a {@code prices.json} merged over the bundled price table and reloaded when
 *     it changes, or {@code null}
 */
public record OpenAiSettings(String defaultApiKey, String defaultBaseUrl, Path pricesOverride) {
  /** OpenAI's own API. */
  public static final String OPENAI_BASE_URL = "https://api.openai.com/v1";

  public OpenAiSettings {
    Objects.requireNonNull(defaultBaseUrl, "defaultBaseUrl");
    defaultApiKey = defaultApiKey == null || defaultApiKey.isBlank() ? null : defaultApiKey;
  }

  /** Never prints the API key. */
  @Override
  public String toString() {
    return "OpenAiSettings[baseUrl="
        + defaultBaseUrl
        + ", apiKey="
        + (defaultApiKey == null ? "none" : "set")
        + ", pricesOverride="
        + pricesOverride
        + "]";
  }
}
