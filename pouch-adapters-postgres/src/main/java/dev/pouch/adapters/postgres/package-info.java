/**
 * Pouch's keys, budget ledger, request log, stored responses and undelivered notices on PostgreSQL
 * (Jdbi over HikariCP): {@link dev.pouch.adapters.postgres.PostgresStore}.
 */
package dev.pouch.adapters.postgres;
