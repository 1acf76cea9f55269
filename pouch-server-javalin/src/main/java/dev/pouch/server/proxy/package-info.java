/**
 * The OpenAI-compatible routes under {@code /v1} ({@code POST /v1/chat/completions}, {@code GET
 * /v1/models}): authenticates the key, hands the body to the core and copies streams to the client
 * chunk by chunk.
 *
 * <p><b>Internal</b>: public only for the server's own wiring ({@link
 * dev.pouch.server.PouchRoutes}) and may change without notice.
 */
package dev.pouch.server.proxy;
