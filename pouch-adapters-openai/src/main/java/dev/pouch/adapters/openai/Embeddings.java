package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.provider.EmbeddingsRequest;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UnpricedField;
import dev.pouch.domain.provider.UpstreamCall;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Embeddings ({@code POST /embeddings}): billed per input token, no output. A string input is
 * counted with the model's tokenizer (bounded by its UTF-8 bytes for the quick bound), a token
 * array is its length; OpenAI bills the inputs' tokens and nothing more. The answer is plain JSON
 * with its usage; an answer without usage is charged Pouch's count of the inputs.
 */
final class Embeddings implements OpenAiApi {
  static final String PATH = "embeddings";

  /** Fields in the bound (model, input) or documented as adding no billed token. */
  private static final Set<String> KNOWN =
      Set.of("model", "input", "encoding_format", "dimensions", "user");

  private final ApiContext context;

  Embeddings(ApiContext context) {
    this.context = context;
  }

  @Override
  public long estimatePromptTokens(Operation operation) {
    EmbeddingsRequest request = EmbeddingsRequest.of(operation);
    TokenEncoding encoding = encoding(request);
    long total = 0;
    for (Object input : request.inputs()) {
      total +=
          input instanceof String text
              ? context.tokens().count(text, encoding)
              : ((List<?>) input).size();
    }
    return total;
  }

  /** UTF-8 bytes instead of tokens: never fewer than any byte-level tokenizer's count. */
  @Override
  public long boundPromptTokens(Operation operation) {
    long total = 0;
    for (Object input : EmbeddingsRequest.of(operation).inputs()) {
      total +=
          input instanceof String text ? TokenCounter.utf8Bytes(text) : ((List<?>) input).size();
    }
    return total;
  }

  /** One token per string input (none is empty), a token array's length. */
  @Override
  public long promptTokensAtLeast(Operation operation) {
    long total = 0;
    for (Object input : EmbeddingsRequest.of(operation).inputs()) {
      total += input instanceof String ? 1 : ((List<?>) input).size();
    }
    return total;
  }

  /** A field OpenAI does not document for embeddings, unless the key allows it. */
  @Override
  public Optional<UnpricedField> unpricedField(Operation operation) {
    for (String field : operation.body().keySet()) {
      if (!KNOWN.contains(field) && !context.extraFields().contains(field)) {
        return Optional.of(
            new UnpricedField(
                field,
                "'"
                    + field
                    + "' is not an embeddings field whose cost Pouch knows how to bound. An admin"
                    + " can allow it in the provider's extra_fields setting."));
      }
    }
    return Optional.empty();
  }

  @Override
  public ProviderResponse execute(Operation operation, UpstreamCall call) {
    EmbeddingsRequest request = EmbeddingsRequest.of(operation);
    return context
        .http()
        .post(
            PATH,
            request.model(),
            call.requestId(),
            OpenAiProvider.json(request.body()),
            false,
            (upstreamCall, response) ->
                OpenAiHttp.complete(response, body -> usageOf(body, request)));
  }

  /** The reported input tokens, else Pouch's count of the inputs. */
  private Usage usageOf(byte[] body, EmbeddingsRequest request) {
    try {
      JsonNode usage = OpenAiProvider.MAPPER.readTree(body).path("usage");
      JsonNode prompt = usage.path("prompt_tokens");
      if (prompt.canConvertToExactIntegral() && prompt.asLong(-1) >= 0) {
        return Usage.reported(prompt.asLong(), 0);
      }
    } catch (IOException notJson) {
      // counted below
    }
    return Usage.counted(estimatePromptTokens(request), 0);
  }

  private TokenEncoding encoding(EmbeddingsRequest request) {
    return context
        .prices()
        .find(request.model())
        .map(PricedModel::encoding)
        .orElse(TokenEncoding.BYTES);
  }
}
