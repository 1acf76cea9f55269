package dev.pouch.adapters.openai;

import dev.pouch.domain.error.RequestRejectedException;
import java.util.Map;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * Where a key's requests go and how they authenticate. Never prints the API key.
 *
 * @param base the API root every path is under
 * @param apiKey the upstream's key, or {@code null} (a local server)
 * @param organization OpenAI's organization id, or {@code null}
 * @param azure Azure OpenAI's deployment addressing, or {@code null} for an OpenAI-style upstream
 */
record UpstreamEndpoint(HttpUrl base, String apiKey, String organization, Azure azure) {

  /**
   * Azure OpenAI's addressing: the key goes in the {@code api-key} header; with an {@code
   * api-version}, the APIs that Azure serves per deployment ({@link #DEPLOYED}) are posted to
   * {@code {base}/deployments/{deployment}/{path}}, and every URL carries {@code ?api-version=…};
   * without one, the base is Azure's OpenAI-style {@code /openai/v1} root.
   *
   * @param apiVersion Azure's {@code api-version}, or {@code null} for the v1 root
   * @param deployments the deployment of each model name that is not its own deployment's name
   */
  record Azure(String apiVersion, Map<String, String> deployments) {
    /** The APIs Azure serves under a deployment; the Responses API takes the model in the body. */
    static final Set<String> DEPLOYED = Set.of("chat/completions", "completions", "embeddings");

    Azure {
      deployments = Map.copyOf(deployments);
    }

    String deployment(String model) {
      return deployments.getOrDefault(model, model);
    }
  }

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
    return of(baseUrl, apiKey, organization, null);
  }

  /** As {@link #of(String, String, String)}, with Azure's addressing when {@code azure} is set. */
  static UpstreamEndpoint of(String baseUrl, String apiKey, String organization, Azure azure) {
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
    if (azure != null) {
      requireVisibleAscii(OpenAiProviderFactory.API_VERSION, azure.apiVersion());
      for (String deployment : azure.deployments().values()) {
        requireVisibleAscii(OpenAiProviderFactory.DEPLOYMENTS, deployment);
      }
    }
    return new UpstreamEndpoint(base, apiKey, organization, azure);
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

  static String param(String field) {
    return "provider.config." + field;
  }

  /** The URL of an API's path under the base URL, e.g. {@code responses/resp_1}. */
  HttpUrl url(String path) {
    return url(path, null);
  }

  /**
   * The URL of an API's path for a request naming {@code model} ({@code null} for requests about no
   * model): on Azure with an {@code api-version}, under the model's deployment where Azure serves
   * the API per deployment.
   */
  HttpUrl url(String path, String model) {
    HttpUrl.Builder url = base.newBuilder();
    if (azure != null && azure.apiVersion() != null) {
      if (model != null && Azure.DEPLOYED.contains(path)) {
        url.addPathSegment("deployments").addPathSegment(azure.deployment(model));
      }
      url.addPathSegments(path).addQueryParameter("api-version", azure.apiVersion());
      return url.build();
    }
    return url.addPathSegments(path).build();
  }

  /** {@link #url(String)} with a client's raw query string added ({@code null} for none). */
  HttpUrl url(String path, String model, String query) {
    HttpUrl url = url(path, model);
    if (query == null || query.isEmpty()) {
      return url;
    }
    String own = url.encodedQuery();
    return url.newBuilder().encodedQuery(own == null ? query : own + "&" + query).build();
  }

  /** A request to an API's path about no model, with this endpoint's credentials. */
  Request.Builder request(String path) {
    return request(path, null);
  }

  /** A request to an API's path for {@code model}, with this endpoint's credentials. */
  Request.Builder request(String path, String model) {
    Request.Builder builder = new Request.Builder().url(url(path, model));
    if (apiKey != null && !apiKey.isBlank()) {
      if (azure != null) {
        builder.header("api-key", apiKey);
      } else {
        builder.header("Authorization", "Bearer " + apiKey);
      }
    }
    if (organization != null && !organization.isBlank()) {
      builder.header("OpenAI-Organization", organization);
    }
    return builder;
  }

  @Override
  public String toString() {
    return "UpstreamEndpoint[" + base + (azure == null ? "" : ", azure") + "]";
  }
}
