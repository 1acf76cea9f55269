package dev.pouch.domain.provider;

import java.util.Map;
import java.util.Optional;

/**
 * One request to an upstream API, as far as Pouch must know it to price and cap it, whatever the
 * API: chat completions ({@link ChatRequest}), embeddings ({@link EmbeddingsRequest}), and the
 * others {@link Operations#parse} knows. The core runs every operation through one flow (quote,
 * reserve, execute, meter, settle) and reads only what is here; the middleware chain passes
 * operations along. Immutable: an edit returns a copy.
 *
 * <p>Two things an operation does not hold, because they need a provider's knowledge: the prompt's
 * bound (a tokenizer reads the body: {@link Provider#estimatePromptTokens}) and the meter of the
 * answer (a parser reads it: {@link UpstreamStream}, {@link AnswerAssembler}).
 */
public interface Operation {

  /** Chat completions' name, as {@link #api()} gives it ({@code POST /v1/chat/completions}). */
  String CHAT_COMPLETIONS = "chat.completions";

  /** Embeddings' name ({@code POST /v1/embeddings}): no output tokens. */
  String EMBEDDINGS = "embeddings";

  /** Legacy completions' name ({@code POST /v1/completions}). */
  String COMPLETIONS = "completions";

  /** The Responses API's name ({@code POST /v1/responses}). */
  String RESPONSES = "responses";

  /** Anthropic's Messages API's name ({@code POST /v1/messages}). */
  String MESSAGES = "messages";

  /** Which API this operation calls, e.g. {@value #CHAT_COMPLETIONS}. */
  String api();

  /** The model asked for. */
  String model();

  /** Whether the client asked for a stream. */
  boolean stream();

  /** How many answers the operation asks for (OpenAI's {@code n}); 1 where the API has none. */
  int choices();

  /**
   * The output limit per answer the request sets, or {@code null} when it sets none (then Pouch
   * chooses one the budget can pay for); 0 for an API that produces no output tokens (embeddings).
   */
  Long maxOutputTokens();

  /** Whether the request carries any output-limit field. */
  boolean hasOutputLimit();

  /** A copy asking for another model. */
  Operation withModel(String model);

  /**
   * A copy whose output is limited to {@code tokens} per answer: every output-limit field the
   * request carries says so, or the API's own field is set when it carries none. An API without
   * output returns itself.
   */
  Operation withMaxOutputTokens(long tokens);

  /** The body as it goes upstream, as a JSON tree (maps, lists, strings, numbers, booleans). */
  Map<String, Object> body();

  /**
   * The id of a stored answer this operation continues, whose context the upstream bills again as
   * input (the Responses API's {@code previous_response_id}); empty for an operation that carries
   * its whole context.
   */
  default Optional<String> continues() {
    return Optional.empty();
  }

  /**
   * Whether the upstream may bill part of the prompt at a prompt-cache write rate, above the input
   * price (Anthropic's {@code cache_control}): then the worst case prices every prompt token at the
   * dearest input rate ({@link dev.pouch.domain.money.ModelPrice#withDearestInput()}). {@code
   * false} by default: OpenAI's caching only discounts.
   */
  default boolean mayWritePromptCache() {
    return false;
  }
}
