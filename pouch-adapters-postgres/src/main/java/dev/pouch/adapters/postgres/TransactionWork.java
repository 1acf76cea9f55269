package dev.pouch.adapters.postgres;

import org.jdbi.v3.core.Handle;

/** Work inside one transaction that decides whether it commits. */
@FunctionalInterface
interface TransactionWork<T> {
  Outcome<T> run(Handle handle);
}
