/**
 * The runnable Pouch server: configuration, wiring of the adapters, and the HTTP edge on Javalin
 * (OpenAI-compatible routes, the admin API, health). It adds no business rules of its own.
 */
package dev.pouch.server;
