/**
 * The proxy flow of {@code POST /v1/chat/completions}: key checks, the middleware chain, the
 * reserving terminal link, metered streams, exactly-once settlement, and the OpenAI error shape.
 *
 * <p><b>Internal</b>, except {@link dev.pouch.application.proxy.ErrorResponses} (OpenAI's error
 * shape and the code-to-status mapping, for HTTP hosts). Embedders reach the flow through {@link
 * dev.pouch.application.port.in.ProxyChat}; the other public classes here are public only for
 * Pouch's own wiring and may change without notice.
 */
package dev.pouch.application.proxy;
