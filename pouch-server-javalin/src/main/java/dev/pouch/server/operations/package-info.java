/**
 * What operators see and control of a running server (docs/OPERATIONS.md): the request id and
 * access-log line of every request, the Prometheus metrics, {@code /readyz}, {@code /metrics},
 * online backups ({@code POST /api/backup}), the graceful stop that drains requests in flight, and
 * the JSON log format.
 *
 * <p><b>Internal</b>: public only for the server's own wiring and may change without notice.
 */
package dev.pouch.server.operations;
