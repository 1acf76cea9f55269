/**
 * A standalone fake OpenAI server on the JDK's HTTP server, for tests and benchmarks that need "
 * OpenAI itself" over real HTTP: {@link dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream}.
 */
package dev.pouch.adapters.mock.upstream;
