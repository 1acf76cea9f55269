/**
 * The provider for OpenAI and any OpenAI-compatible upstream (OkHttp, jtokkit, a bundled price
 * table). Filled by the OpenAI adapter issue; the module exists now so the reactor and its
 * dependency rules are in their final shape.
 */
package dev.pouch.adapters.openai;
