/**
 * The server's security pieces (docs/SECURITY.md): the admin token (kept as a hash, rotated online)
 * and the limiter of failed admin logins, the master key and the AES-256-GCM sealer of secret
 * config values, and CORS for browsers. Their settings are {@link dev.pouch.server.SecurityConfig}.
 *
 * <p><b>Internal</b>: public only for the server's own wiring and may change without notice.
 */
package dev.pouch.server.security;
