package dev.pouch.adapters.openai;

import dev.pouch.domain.error.RequestRejectedException;
import okhttp3.HttpUrl;
import okhttp3.Request;

/** Where a key's requests go and how they authenticate. Never prints the API key. */
record UpstreamEndpoint(HttpUrl base, String apiKey, String organization) {

  /**
   * The endpoint of a key's config.
   *
   * <p>The API key and organization become header values and the base URL is parsed by OkHttp's
   * {@code HttpUrl}: each must be visible ASCII (no spaces, line breaks or other control
   * characters, nothing beyond ASCII), or OkHttp would refuse every request of the key with an
   * error that may quote the value. Such values are refused, not stripped: a key pasted with a
   * trailing newline is then fixed once by the admin, instead of Pouch sending something other than
   * what was stored. The messages never quote a value (the API key is a secret, and request errors
   * reach app-key holders). Key management builds every new or edited config once, so this refuses
   * bad values at input; keys stored before it get the same 400 on each request.
   *
   * @throws RequestRejectedException {@code INVALID_CONFIG} naming the field
   */
  static UpstreamEndpoint of(String baseUrl, String apiKey, String organization) {
    requireVisibleAscii(OpenAiProviderFactory.API_KEY, apiKey);
    requireVisibleAscii(OpenAiProviderFactory.ORGANIZATION, organization);
    // Stripped for the server's default (--openai-base-url); a key's own base_url cannot hold
    // whitespace, its schema refuses it.
    String url = baseUrl == null ? null : baseUrl.strip();
    requireVisibleAscii(OpenAiProviderFactory.BASE_URL, url);
    HttpUrl base = url == null ? null : HttpUrl.parse(url);
    if (base == null) {
      throw RequestRejectedException.invalidConfig(
          param(OpenAiProviderFactory.BASE_URL),
          "base_url must be an http(s) URL such as https://api.openai.com/v1");
    }
    return new UpstreamEndpoint(base, apiKey, organization);
  }

  private static void requireVisibleAscii(String field, String value) {
    if (value == null) {
      return;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '!' || c > '~') {
        throw RequestRejectedException.invalidConfig(
            param(field),
            field
                + " must hold visible ASCII characters only: no spaces, tabs, line breaks or"
                + " other control characters, no letters beyond ASCII (a pasted value often ends"
                + " in a line break)");
      }
    }
  }

  private static String param(String field) {
    return "provider.config." + field;
  }

  /** The URL of an API's path under the base URL, e.g. {@code chat/completions}. */
  HttpUrl url(String path) {
    return base.newBuilder().addPathSegments(path).build();
  }

  /** A request to an API's path with this endpoint's credentials. */
  Request.Builder request(String path) {
    Request.Builder builder = new Request.Builder().url(url(path));
    if (apiKey != null && !apiKey.isBlank()) {
      builder.header("Authorization", "Bearer " + apiKey);
    }
    if (organization != null && !organization.isBlank()) {
      builder.header("OpenAI-Organization", organization);
    }
    return builder;
  }

  @Override
  public String toString() {
    return "UpstreamEndpoint[" + base + "]";
  }
}
