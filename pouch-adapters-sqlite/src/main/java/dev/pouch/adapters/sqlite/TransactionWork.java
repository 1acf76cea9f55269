package dev.pouch.adapters.sqlite;

import org.jdbi.v3.core.Handle;

/** The work of one transaction. */
@FunctionalInterface
interface TransactionWork<T> {
  Outcome<T> run(Handle handle);
}
