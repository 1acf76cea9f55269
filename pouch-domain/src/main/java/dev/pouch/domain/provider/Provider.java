package dev.pouch.domain.provider;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An upstream LLM provider configured for one key (the port Pouch calls outward). An instance lives
 * as long as the key's configuration, is shared by that key's concurrent requests and must be
 * thread-safe.
 *
 * <p>Financial safety rests on two promises of an implementation: {@link #estimatePromptTokens}
 * never returns less than the upstream will bill for the prompt, and a response never bills more
 * output than {@link UpstreamCall#outputCap()} (the provider cuts or stops the upstream) — or, if
 * it cannot prevent it, reports the true usage so Pouch charges it and records the overrun.
 */
public interface Provider extends AutoCloseable {

  /** The model's price and limits, or empty when this provider does not know the model. */
  Optional<ModelInfo> model(String name);

  /**
   * Whether this provider serves the API of {@link Operation#api()}; the core refuses the others
   * before pricing, so the methods below only see operations it serves. The default serves chat
   * completions.
   */
  default boolean serves(String api) {
    return Operation.CHAT_COMPLETIONS.equals(api);
  }

  /**
   * Models to list in {@code GET /v1/models} for a key that allows any model: those the upstream
   * serves and this provider prices (the provider's own table when the upstream does not list its
   * models); may be empty when any model name works. Called per listing: a provider that asks its
   * upstream keeps the answer for a while.
   */
  List<ModelInfo> models();

  /** A strict upper bound of the prompt tokens the upstream can bill for {@code request}. */
  long estimatePromptTokens(Operation request);

  /**
   * A cheap upper bound of the prompt tokens, never below {@link #estimatePromptTokens} but
   * possibly well above it (say, bytes instead of tokens). Pouch reserves from it when the budget's
   * headroom covers it with room to spare, and asks for {@link #estimatePromptTokens} only near the
   * limit. The default is {@link #estimatePromptTokens} itself.
   */
  default long boundPromptTokens(Operation request) {
    return estimatePromptTokens(request);
  }

  /**
   * A lower bound of the prompt tokens the upstream bills for {@code request}, cheap to compute
   * (never a tokenization): reported usage below it cannot be true, and is charged as implausible.
   * The default is 0 (no bound known).
   */
  default long promptTokensAtLeast(Operation request) {
    return 0;
  }

  /**
   * Output tokens the upstream may bill for {@code request} that its output limit does not cap (for
   * OpenAI, a predicted output: its rejected tokens are billed as output). Reserved on top of the
   * cap; never below the truth. The default is 0.
   */
  default long boundUncappedOutputTokens(Operation request) {
    return 0;
  }

  /**
   * A field of {@code request} whose billed tokens this provider cannot bound or price (audio at
   * audio prices, a tool with per-call fees, a field it does not know), or empty. Pouch refuses
   * such a request on a key with a budget, with a 400 naming the field, rather than serve it
   * unmetered. The default finds none.
   */
  default Optional<UnpricedField> unpricedField(Operation request) {
    return Optional.empty();
  }

  /**
   * Sends the (final) request upstream. For streams, a provider should ask its upstream for usage
   * (OpenAI: {@code stream_options.include_usage}) and hide the extra usage chunk from a client
   * that did not ask for it: usage the upstream reports is trusted, a count is the fallback.
   *
   * @return the answer, or the upstream's error response with zero usage
   * @throws dev.pouch.domain.error.UpstreamException when the upstream is unreachable, breaks off
   *     or times out; {@link dev.pouch.domain.error.UpstreamException#beforeSending} only when no
   *     byte of the request reached it (then the request is refunded, else charged)
   */
  ProviderResponse execute(Operation request, UpstreamCall call);

  /**
   * Passes an unmetered request about an answer the upstream stored to it, as it is (the Responses
   * API's {@code GET}/{@code DELETE /responses/{id}}, {@code …/input_items}, {@code POST
   * …/cancel}): nothing is generated, so nothing is reserved or charged. The core calls it only for
   * an answer it recorded for the same key.
   *
   * @param method {@code GET}, {@code DELETE} or {@code POST} (without a body)
   * @param path the path under the API's base, e.g. {@code responses/resp_1/input_items}
   * @param query the raw query string, or {@code null}
   * @return the upstream's answer (errors passed through), or empty when this provider does not
   *     serve such requests (the default)
   * @throws dev.pouch.domain.error.UpstreamException when the upstream cannot be reached or times
   *     out
   */
  default Optional<ProviderResponse.Complete> relay(String method, String path, String query) {
    return Optional.empty();
  }

  /**
   * Asks the upstream's own token counter how many input tokens a request body holds (Anthropic's
   * free {@code POST /v1/messages/count_tokens}) and passes its answer through, errors included:
   * nothing is generated or billed, so nothing is reserved or charged.
   *
   * @param body the request body as the client sent it
   * @param headers the API's request headers ({@code anthropic-version}, {@code anthropic-beta})
   * @return the upstream's answer, or empty when this provider has no counter (the default)
   * @throws dev.pouch.domain.error.UpstreamException when the upstream cannot be reached or times
   *     out
   */
  default Optional<ProviderResponse.Complete> countTokens(
      Map<String, Object> body, Map<String, String> headers) {
    return Optional.empty();
  }

  /** Releases what this instance holds. The default holds nothing. */
  @Override
  default void close() {}
}
