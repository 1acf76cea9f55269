package example.parrot;

import dev.pouch.domain.chain.Middleware;
import dev.pouch.domain.chain.MiddlewareFactory;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.Refusal;
import dev.pouch.domain.plugin.FieldType;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.plugin.PluginInfo;
import dev.pouch.domain.plugin.PluginSchema;
import dev.pouch.domain.plugin.SchemaField;
import dev.pouch.domain.provider.ChatRequest;

/**
 * The {@code max_messages} middleware: refuses requests with more messages than the key allows
 * (400, {@code param: "messages"}) before any budget is reserved, and tells clients the limit in an
 * {@code x-max-messages} header. Found by the server through {@code
 * META-INF/services/dev.pouch.domain.chain.MiddlewareFactory}.
 */
public final class MaxMessagesMiddlewareFactory implements MiddlewareFactory {
  static final String MAX_MESSAGES = "max_messages";
  static final String HEADER = "x-max-messages";

  private static final PluginInfo INFO =
      new PluginInfo(
          "max_messages",
          "Max messages",
          "Refuses requests with more messages than allowed (an example plugin).",
          PluginSchema.of(
              SchemaField.builder(MAX_MESSAGES, FieldType.INTEGER)
                  .displayName("Max messages")
                  .description("Most messages one request may carry.")
                  .required()
                  .min(1)
                  .max(10_000)
                  .build()),
          false);

  @Override
  public PluginInfo info() {
    return INFO;
  }

  @Override
  public Middleware create(PluginConfig config) {
    long max = config.integer(MAX_MESSAGES, Long.MAX_VALUE);
    return chain -> {
      // a chat request's messages; other APIs' operations pass
      if (chain.request() instanceof ChatRequest chat && chat.messages().size() > max) {
        return ProxyResponse.refused(
            Refusal.of(
                ErrorCode.INVALID_REQUEST,
                "This key allows at most " + max + " messages per request.",
                "messages"));
      }
      ProxyResponse response = chain.proceed(chain.request());
      return response.withHeader(HEADER, Long.toString(max));
    };
  }
}
