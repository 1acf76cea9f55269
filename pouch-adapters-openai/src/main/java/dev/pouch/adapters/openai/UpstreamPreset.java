package dev.pouch.adapters.openai;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import okhttp3.HttpUrl;

/**
 * The {@code preset} of an {@code openai} provider config: where a known OpenAI-compatible service
 * lives and how it takes its API key, so an admin picks a name instead of looking up a URL. A key's
 * own {@code base_url} still wins (Ollama on another host, a proxy in between).
 *
 * <p>Only {@link #CUSTOM} and {@link #OPENAI} may fall back to the server's own {@code
 * OPENAI_API_KEY}: sending it to a third party's host would hand that party the server's secret.
 */
enum UpstreamPreset {
  /** The key's base URL, else the server's default; today's behaviour. */
  CUSTOM(null, true),
  OPENAI("https://api.openai.com/v1", true),
  /**
   * Azure OpenAI: the {@code api-key} header; the base URL is the resource's ({@code
   * https://<resource>.openai.azure.com/openai}), so there is none to fill in.
   */
  AZURE(null, true),
  OPENROUTER("https://openrouter.ai/api/v1", true),
  GROQ("https://api.groq.com/openai/v1", true),
  TOGETHER("https://api.together.xyz/v1", true),
  MISTRAL("https://api.mistral.ai/v1", true),
  DEEPSEEK("https://api.deepseek.com/v1", true),
  GEMINI("https://generativelanguage.googleapis.com/v1beta/openai", true),
  OLLAMA("http://localhost:11434/v1", false),
  VLLM("http://localhost:8000/v1", false),
  LMSTUDIO("http://localhost:1234/v1", false);

  private final String baseUrl;
  private final boolean needsApiKey;

  UpstreamPreset(String baseUrl, boolean needsApiKey) {
    this.baseUrl = baseUrl;
    this.needsApiKey = needsApiKey;
  }

  /** The name in a config ({@code groq}, {@code lmstudio} …). */
  String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The service's OpenAI-compatible root, or {@code null} when the key must give it. */
  String baseUrl() {
    return baseUrl;
  }

  /** Whether the service refuses requests without an API key (local servers do not). */
  boolean needsApiKey() {
    return needsApiKey;
  }

  /** Whether the server's own {@code OPENAI_API_KEY} may be sent to this upstream. */
  boolean mayUseServerKey() {
    return this == CUSTOM || this == OPENAI;
  }

  /**
   * Whether requests sent to {@code baseUrl} under this preset reach an upstream known to enforce
   * {@code max_tokens} (and {@code max_completion_tokens}, {@code max_output_tokens}): OpenAI
   * itself and Azure OpenAI, whose APIs stop generation at the limit and bill no output past it
   * (platform.openai.com/docs/api-reference: "The maximum number of tokens that can be generated").
   * Only there may a plain request go upstream plain by default (D39): any other host, a proxy in
   * front of OpenAI included, may ignore the limit, and only a stream lets Pouch cut it at the cap.
   *
   * @param base the key's resolved API root ({@link UpstreamEndpoint#base()})
   */
  boolean enforcesMaxTokens(HttpUrl base) {
    if (this == AZURE) {
      return true; // the admin named Azure OpenAI: its resource URL is the key's own
    }
    return OpenAiProviderFactory.withoutTrailingSlash(base).equals(OPENAI.baseUrl);
  }

  /** The names a config may choose, for the schema. */
  static List<String> ids() {
    return Arrays.stream(values()).map(UpstreamPreset::id).toList();
  }

  /** The preset a config names (the schema has checked it is one of {@link #ids()}). */
  static UpstreamPreset of(String id) {
    return valueOf(id.toUpperCase(Locale.ROOT));
  }
}
