package dev.pouch.adapters.sqlite;

import dev.pouch.adapters.sqlite.GroupCommitter.Sync;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One caller's piece of work for the {@link GroupCommitter}, and its result once the writer has
 * committed (or failed) it. Everything but {@link #await} runs on the thread that holds the writer
 * connection.
 */
final class PendingWrite<T> {
  private static final Logger log = LoggerFactory.getLogger(PendingWrite.class);

  /** Queued by close: the writer thread stops once it takes this. */
  static final PendingWrite<Void> STOP =
      new PendingWrite<>(handle -> Outcome.rollback(null), Sync.NOW);

  private final TransactionWork<T> work;
  private final Sync sync;
  private final CountDownLatch done = new CountDownLatch(1);
  private final List<Runnable> afterCommit = new ArrayList<>(2); // under the writer's lock
  // written under the writer's lock before done.countDown(), read by the caller after await
  private Outcome<T> outcome;
  private Throwable failure;

  PendingWrite(TransactionWork<T> work, Sync sync) {
    this.work = work;
    this.sync = Objects.requireNonNull(sync, "sync");
  }

  Sync sync() {
    return sync;
  }

  void reset() {
    outcome = null;
    failure = null;
    afterCommit.clear();
  }

  void addAfterCommit(Runnable action) {
    afterCommit.add(action);
  }

  /** How many actions wait for the commit: where a nested write's own actions will begin. */
  int afterCommitCount() {
    return afterCommit.size();
  }

  void dropActionsFrom(int index) {
    afterCommit.subList(index, afterCommit.size()).clear();
  }

  /** The work is committed: nothing an action does may fail its caller now. */
  void runAfterCommit() {
    for (Runnable action : afterCommit) {
      try {
        action.run();
      } catch (RuntimeException e) {
        log.atError().setCause(e).log("an action after a commit failed");
      }
    }
    afterCommit.clear();
  }

  void run(Handle handle) {
    outcome = Objects.requireNonNull(work.run(handle), "a transaction returned no outcome");
  }

  boolean commits() {
    return outcome.commit();
  }

  void failed(Throwable t) {
    outcome = null;
    failure = t;
    afterCommit.clear();
  }

  void fail(Throwable t) {
    failed(t);
    done.countDown();
  }

  void complete() {
    done.countDown();
  }

  /** Waits for the writer, without giving up: the work may be committed by then. */
  T await() {
    boolean interrupted = false;
    while (true) {
      try {
        done.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure instanceof RuntimeException) {
      throw (RuntimeException) failure;
    }
    if (failure instanceof Error) {
      throw (Error) failure;
    }
    if (failure != null) {
      throw new IllegalStateException(failure);
    }
    return outcome.value();
  }
}
