package dev.pouch.adapters.openai;

import java.util.Set;

/**
 * What every {@link OpenAiApi} of one key shares: the upstream connection, the key's settings and
 * the server's price book and token counter.
 *
 * @param http the key's upstream, for every API's calls
 * @param streamPlainRequests whether a plain request goes upstream as a stream (cut at the cap)
 * @param extraFields top-level fields the key allows beyond those Pouch knows how to bound
 * @param prices the server's price book, under the key's own rows if it has some
 * @param tokens the token counter
 */
record ApiContext(
    OpenAiHttp http,
    boolean streamPlainRequests,
    Set<String> extraFields,
    Prices prices,
    TokenCounter tokens) {

  ApiContext {
    extraFields = Set.copyOf(extraFields);
  }

  /** The table's entry for {@code model}, or {@code null} when it does not price it. */
  PricedModel priced(String model) {
    return prices.find(model).orElse(null);
  }
}
