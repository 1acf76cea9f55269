/**
 * What the SQL stores (SQLite, PostgreSQL) share verbatim: the rows of keys ({@link
 * dev.pouch.adapters.jdbc.KeyRows} with {@link dev.pouch.adapters.jdbc.PolicyJson}), teams,
 * request-log records and undelivered notices, on Jdbi. No driver and no dialect: SQL that differs
 * between the databases stays in each store.
 */
package dev.pouch.adapters.jdbc;
