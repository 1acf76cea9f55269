/**
 * The SQLite adapter: {@link dev.pouch.adapters.sqlite.SqliteStore} keeps app keys, the budget
 * ledger and the request log in one SQLite file (WAL, {@code synchronous=FULL}), with versioned
 * schema migrations, one fairly-locked writer connection using explicit {@code BEGIN IMMEDIATE}
 * transactions, and a small pool of read-only connections for reads.
 */
package dev.pouch.adapters.sqlite;
