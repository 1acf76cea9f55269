/**
 * The in-process mock provider ({@code mock}): answers chat completions without calling any
 * upstream, deterministically, with configurable prices, latency, pacing and misbehaviour (ignoring
 * {@code max_tokens}, failing mid-stream). {@link dev.pouch.adapters.mock.MockCompletion} is the
 * generation logic, shared with the fake OpenAI upstream in {@code
 * dev.pouch.adapters.mock.upstream}.
 */
package dev.pouch.adapters.mock;
