package dev.pouch.adapters.openai;

import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UnpricedField;
import dev.pouch.domain.provider.UpstreamCall;
import java.util.Optional;

/**
 * One OpenAI API as the {@code openai} provider serves it: the bounds of its prompt and the call.
 * {@link OpenAiProvider} routes each {@link Operation} to the API of its {@link Operation#api()};
 * the methods mean what {@link dev.pouch.domain.provider.Provider}'s do.
 */
interface OpenAiApi {

  long estimatePromptTokens(Operation operation);

  long boundPromptTokens(Operation operation);

  long promptTokensAtLeast(Operation operation);

  default long boundUncappedOutputTokens(Operation operation) {
    return 0;
  }

  Optional<UnpricedField> unpricedField(Operation operation);

  ProviderResponse execute(Operation operation, UpstreamCall call);
}
