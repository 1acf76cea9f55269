/**
 * The SQLite adapter: {@link dev.pouch.adapters.sqlite.SqliteStore} keeps app keys, the budget
 * ledger and the request log in one SQLite file (WAL, {@code synchronous=FULL}), with versioned
 * schema migrations ({@code Migrations}), one writer connection that group-commits callers'
 * explicit {@code BEGIN IMMEDIATE} transactions ({@code GroupCommitter}), and a small pool of
 * read-only connections for reads ({@code SqliteConnections}).
 */
package dev.pouch.adapters.sqlite;
