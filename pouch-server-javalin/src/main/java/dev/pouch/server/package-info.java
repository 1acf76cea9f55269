/**
 * The runnable Pouch server: its entry points ({@code java -jar pouch.jar}, and the {@code admin
 * rotate-token} command), its settings ({@link dev.pouch.server.ServerConfig}, {@link
 * dev.pouch.server.SecurityConfig}, {@link dev.pouch.server.OperationsConfig}) and the assembly
 * that wires the adapters, the core and the HTTP edge on Javalin, with the start-up pieces only
 * that assembly uses (the data-folder lock, plugin discovery). It adds no business rules of its
 * own.
 *
 * <p>Public API for applications: {@link dev.pouch.server.PouchRoutes} mounts Pouch's routes into
 * an existing Javalin app (the server itself uses it); {@link dev.pouch.server.PouchServer} and
 * {@link dev.pouch.server.ServerConfig} run the whole server in-process.
 *
 * <p>The server's parts live in sub-packages, public only so that this package can wire them (they
 * may change): {@code proxy} (the OpenAI-compatible routes), {@code admin} (the admin API and UI),
 * {@code operations} (request ids, access log, metrics, readiness, backups, graceful stop), {@code
 * security} (admin token, master key, CORS) and {@code http} (JSON bodies and errors shared by
 * every route). They never depend on this package but for its settings records.
 */
package dev.pouch.server;
