/**
 * The admin API under {@code /api} (keys, plugins, usage, request log) behind the admin token, its
 * strict JSON for keys, and the admin UI's static files served at {@code /}.
 *
 * <p><b>Internal</b>: public only for the server's own wiring ({@link
 * dev.pouch.server.PouchRoutes}, {@link dev.pouch.server.PouchServer}) and may change without
 * notice.
 */
package dev.pouch.server.admin;
