package dev.pouch.adapters.openai;

import java.util.Locale;

/**
 * How prompt text is turned into a token count for a model.
 *
 * <p>{@link #BYTES} is the fallback for tokenizers Pouch does not ship (Llama, Qwen, Mistral…
 * behind an OpenAI-compatible server): a byte-level BPE token always covers at least one byte, so
 * the UTF-8 length of a text is never below its token count. It over-counts a lot (about 4× for
 * English), which is the point: a reservation must never be too small.
 */
public enum TokenEncoding {
  /** OpenAI's tokenizer of gpt-4o, gpt-4.1, the o-series and gpt-5. */
  O200K_BASE,
  /** OpenAI's tokenizer of gpt-4, gpt-4-turbo and gpt-3.5-turbo. */
  CL100K_BASE,
  /** One token per UTF-8 byte: an upper bound for any byte-level tokenizer. */
  BYTES;

  /** The name used in price tables ({@code o200k_base}, {@code cl100k_base}, {@code bytes}). */
  public String tableName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The encoding a price table names.
   *
   * @throws IllegalArgumentException for any other name
   */
  public static TokenEncoding fromTableName(String name) {
    for (TokenEncoding encoding : values()) {
      if (encoding.tableName().equals(name)) {
        return encoding;
      }
    }
    throw new IllegalArgumentException(
        "unknown encoding '" + name + "' (expected o200k_base, cl100k_base or bytes)");
  }
}
