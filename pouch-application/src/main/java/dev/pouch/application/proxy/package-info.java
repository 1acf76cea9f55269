/**
 * The proxy flow of {@code POST /v1/chat/completions}: key checks, the middleware chain, the
 * reserving terminal link, metered streams, exactly-once settlement, and the OpenAI error shape.
 */
package dev.pouch.application.proxy;
