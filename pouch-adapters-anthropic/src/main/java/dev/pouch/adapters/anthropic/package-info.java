/**
 * The {@code anthropic} provider: Anthropic's native Messages API ({@code POST /v1/messages}) over
 * OkHttp, priced from a bundled table with cache-write and cache-read rates, bounded without a
 * tokenizer (UTF-8 bytes plus documented overheads).
 */
package dev.pouch.adapters.anthropic;
