/**
 * The runnable Pouch server: configuration, wiring of the adapters, and the HTTP edge on Javalin
 * (OpenAI-compatible routes, the admin API, health). It adds no business rules of its own.
 *
 * <p>Public API for applications: {@link dev.pouch.server.PouchRoutes} mounts Pouch's routes into
 * an existing Javalin app (the server itself uses it); {@link dev.pouch.server.PouchServer} and
 * {@link dev.pouch.server.ServerConfig} run the whole server in-process.
 */
package dev.pouch.server;
