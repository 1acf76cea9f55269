package dev.pouch.adapters.openai;

import dev.pouch.domain.error.RequestRejectedException;
import okhttp3.HttpUrl;
import okhttp3.Request;

/** Where a key's requests go and how they authenticate. Never prints the API key. */
record UpstreamEndpoint(HttpUrl chatCompletions, String apiKey, String organization) {

  static UpstreamEndpoint of(String baseUrl, String apiKey, String organization) {
    HttpUrl base = baseUrl == null ? null : HttpUrl.parse(baseUrl.strip());
    if (base == null) {
      throw RequestRejectedException.invalidConfig(
          "provider.config." + OpenAiProviderFactory.BASE_URL,
          "base_url must be an http(s) URL such as https://api.openai.com/v1");
    }
    HttpUrl chat = base.newBuilder().addPathSegments("chat/completions").build();
    return new UpstreamEndpoint(chat, apiKey, organization);
  }

  /** A request to the chat-completions URL with this endpoint's credentials. */
  Request.Builder request() {
    Request.Builder builder = new Request.Builder().url(chatCompletions);
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
    return "UpstreamEndpoint[" + chatCompletions + "]";
  }
}
