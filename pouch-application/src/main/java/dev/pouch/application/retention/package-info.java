/**
 * Request-log retention: how long rows are kept and the pruning that deletes older ones in short
 * batches, on the {@code RequestLog} port. The host schedules it; usage figures stay exact because
 * the stores keep hourly totals.
 */
package dev.pouch.application.retention;
