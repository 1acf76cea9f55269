package dev.pouch.adapters.sqlite;

import dev.pouch.domain.budget.Budget;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each owner's budget rows as this process last committed or read them, so that the request path
 * reads a key's budgets from memory instead of from the file (three reads per request were a sixth
 * of its CPU). Exact only while this process is the file's single writer; the budget rule itself
 * never depends on it: the guarded {@code UPDATE} decides every reservation on the file's numbers.
 *
 * <p>The writer puts what it commits, in commit order, before the committing caller returns ({@link
 * GroupCommitter#afterCommit}): an owner's whole list ({@link #committed}) or some of its rows
 * ({@link #committedRows}, which the writer only calls for an owner it has cached, reading the
 * whole list in its transaction otherwise). A list read from the file by a reader may be older than
 * a commit that raced it, so it is kept only where no committed list is cached yet: a committed
 * value always wins over a read one.
 */
final class BudgetCache {
  private final ConcurrentHashMap<String, Owner> owners = new ConcurrentHashMap<>();

  /** An owner's rows, and their budgets as the request path reads them (built once per change). */
  private record Owner(List<BudgetRow> rows, List<Budget> budgets) {
    static Owner of(List<BudgetRow> rows) {
      return new Owner(List.copyOf(rows), rows.stream().map(BudgetRow::budget).toList());
    }
  }

  /** The owner's cached budgets, or null when this process has not read or written them yet. */
  List<Budget> get(String ownerId) {
    Owner owner = owners.get(ownerId);
    return owner == null ? null : owner.budgets();
  }

  /** Whether the owner's list is cached (for the writer: then {@link #committedRows} applies). */
  boolean holds(String ownerId) {
    return owners.containsKey(ownerId);
  }

  /** A list read from the file: the cached one if a commit (or another read) got there first. */
  List<Budget> read(String ownerId, List<BudgetRow> rows) {
    Owner read = Owner.of(rows);
    Owner cached = owners.putIfAbsent(ownerId, read);
    return (cached == null ? read : cached).budgets();
  }

  /** An owner's whole list as committed; called on the writer thread, in commit order. */
  void committed(String ownerId, List<BudgetRow> rows) {
    owners.put(ownerId, Owner.of(rows));
  }

  /**
   * Some rows of an owner as committed (the others unchanged); called on the writer thread, in
   * commit order, for an owner whose list is cached.
   */
  void committedRows(String ownerId, Collection<BudgetRow> changed) {
    owners.computeIfPresent(
        ownerId,
        (id, owner) -> {
          List<BudgetRow> next = new ArrayList<>(owner.rows());
          for (BudgetRow row : changed) {
            for (int i = 0; i < next.size(); i++) {
              if (next.get(i).id() == row.id()) {
                next.set(i, row);
              }
            }
          }
          return Owner.of(next);
        });
  }

  /** An owner that no longer has budgets: cached as empty, so no older read can come back. */
  void dropped(String ownerId) {
    owners.put(ownerId, Owner.of(List.of()));
  }
}
