package dev.pouch.adapters.sqlite;

import dev.pouch.domain.budget.Budget;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The budget rows as this process last committed or read them, so that the request path reads a
 * key's budget from memory instead of from the file (three reads per request were a sixth of its
 * CPU). Exact only while this process is the file's single writer; the budget rule itself never
 * depends on it: the guarded {@code UPDATE} decides every reservation on the file's numbers.
 *
 * <p>The writer puts every row it commits, in commit order, before the committing caller returns
 * ({@link GroupCommitter#afterCommit}). A row read from the file by a reader may be older than a
 * commit that raced it, so it is kept only where no committed row is cached yet: a committed value
 * always wins over a read one.
 */
final class BudgetCache {
  private final ConcurrentHashMap<String, Budget> budgets = new ConcurrentHashMap<>();

  /** The cached budget, or null when this process has not read or written it yet. */
  Budget get(String keyId) {
    return budgets.get(keyId);
  }

  /** A row read from the file: the cached one if a commit (or another read) got there first. */
  Budget read(String keyId, Budget budget) {
    Budget cached = budgets.putIfAbsent(keyId, budget);
    return cached == null ? budget : cached;
  }

  /** A row as committed by this process's writer; called on the writer thread, in commit order. */
  void committed(String keyId, Budget budget) {
    budgets.put(keyId, budget);
  }
}
