package dev.pouch.adapters.sqlite;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every write on one SQLite connection and commits <em>groups</em> of callers' transactions
 * (group commit, D15 in docs/ARCHITECTURE.md). It knows nothing of the tables: a write is any
 * {@link TransactionWork}.
 *
 * <p>Callers queue their work and wait; a writer thread takes every waiting piece of work (up to
 * {@link #MAX_BATCH}), runs them in one {@code BEGIN IMMEDIATE} transaction, each inside its own
 * {@code SAVEPOINT}, and commits them with one {@code COMMIT} (one fsync with {@code
 * synchronous=FULL}). A caller returns only after the commit that holds its work: every write is
 * durable on return, exactly as with one transaction per caller, but a thousand callers share a
 * handful of fsyncs. A caller that finds nothing queued and the connection free runs its work
 * itself, as a group of one, instead of waking the writer thread and being woken by it; whatever
 * queues meanwhile waits for the connection and then commits as one group.
 *
 * <p>Work may instead ask to be {@linkplain Sync#LATER synced later}: a group made only of such
 * work commits with {@code synchronous=NORMAL}, without an fsync of its own. Its caller still
 * returns only after the commit, so the work is visible to every reader and survives a crash of the
 * process (its pages are in the WAL file); only a power loss or an OS crash before the next synced
 * commit can undo it. The WAL is one append-only log, so that next fsync makes every earlier commit
 * durable too: whatever a power loss undoes is always a tail of commits that were all synced later,
 * never one that returned as synced. Within {@link #SYNC_LATER_WITHIN} of the oldest commit synced
 * later, the writer thread checkpoints the WAL, which syncs it first: the window a power loss can
 * undo is bounded in time, not only by the WAL's autocheckpoint.
 *
 * <p>Each piece of work stays atomic and isolated from the others: its savepoint is rolled back
 * when it returns {@link Outcome#rollback} or throws, without touching the others of its group. If
 * a failure ends the whole transaction (an I/O error, say), or the commit itself fails, the group
 * is rolled back and every piece of work is run again alone, so one failing piece fails only its
 * own caller. Work must therefore be safe to run again after a rollback (it is: all its effects
 * were undone), and it runs in the order it arrived.
 *
 * <p>The connection stays in autocommit mode ({@link Transactions}). The writer thread is a
 * platform thread; a virtual thread that runs its own work holds its carrier for the native calls
 * and the fsync, which measured cheaper than the two wake-ups it saves (D25).
 */
final class GroupCommitter {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);

  /** The most pieces of work one group commit holds. */
  static final int MAX_BATCH = 128;

  /** The longest a commit synced later waits for its fsync when no synced commit follows it. */
  static final Duration SYNC_LATER_WITHIN = Duration.ofSeconds(1);

  private static final String SAVEPOINT = "SAVEPOINT op";
  private static final String RELEASE = "RELEASE op";
  private static final String ROLLBACK_TO = "ROLLBACK TO op";

  private final Handle writer;
  private final BlockingQueue<PendingWrite<?>> queue = new LinkedBlockingQueue<>();
  private final ReentrantLock submitLock = new ReentrantLock();
  private final Condition queued = submitLock.newCondition(); // the queue is no longer empty
  // held by whichever thread runs a group on the writer connection: the writer thread, or a caller
  // that found the writer idle (see transaction); the fields below are guarded by it
  private final ReentrantLock writerLock = new ReentrantLock();
  private final Thread writerThread;
  private boolean closed; // guarded by submitLock
  private volatile Thread writing; // the thread that holds writerLock, or null
  private Sync writerSync = Sync.NOW; // the writer connection's mode

  private boolean began; // whether the last runTogether got its transaction
  private PendingWrite<?> running; // the write whose work runs now
  // counters for tests and diagnostics
  private volatile long commits;
  private volatile long committedOps;
  private volatile long syncedLaterCommits;
  private volatile long timedSyncs;
  // System.nanoTime() of the oldest commit synced later that no fsync covers yet, 0 when none;
  // written holding writerLock
  private volatile long unsyncedSince;

  /**
   * Starts the writer thread. {@code writer} must be in autocommit mode with {@code
   * synchronous=FULL}, and must run plain statements through {@link WriterStatements}; from now on
   * only this committer uses it.
   */
  GroupCommitter(Handle writer, String threadName) {
    this.writer = writer;
    this.writerThread = new Thread(this::writeLoop, threadName);
    this.writerThread.setDaemon(true);
    this.writerThread.start();
  }

  /**
   * Runs {@code work} atomically on the writer: committed before this returns when it returns
   * {@link Outcome#commit} (durably with {@link Sync#NOW}, see the class comment for {@link
   * Sync#LATER}), undone when it returns {@link Outcome#rollback} or throws (the exception is
   * thrown here). It may share its transaction with other callers' work, never its effects. {@code
   * work} may run more than once (after a rollback).
   */
  <T> T transaction(TransactionWork<T> work, Sync sync) {
    if (Thread.currentThread() == writing) {
      return nested(work); // work of the writer calling the store again: already in a transaction
    }
    PendingWrite<T> op = new PendingWrite<>(work, sync);
    boolean runHere;
    submitLock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("the SQLite store is closed");
      }
      // Nothing waits and the connection is free: the caller runs its work itself, sparing the
      // two thread wake-ups of a hand-off to the writer thread and back. Work that finds others
      // waiting joins their group, so nothing overtakes work that arrived before it.
      runHere = queue.isEmpty() && writerLock.tryLock();
      if (!runHere) {
        queue.add(op);
        queued.signal();
      }
    } finally {
      submitLock.unlock();
    }
    if (runHere) {
      runHolding(List.of(op));
    }
    return op.await();
  }

  /**
   * Runs {@code action} once the transaction holding the work that calls this has committed, before
   * that work's caller returns, still holding the writer connection; actions run in commit order.
   * Dropped when the work (or a nested write of it) is rolled back. Only for work running as a
   * write.
   */
  void afterCommit(Runnable action) {
    if (Thread.currentThread() != writing || running == null) {
      throw new IllegalStateException("afterCommit outside a write");
    }
    running.addAfterCommit(action);
  }

  /** How many pieces of work wait for the writer (for tests and diagnostics). */
  int queuedWrites() {
    return queue.size();
  }

  /** How many group commits and committed pieces of work so far (for tests and diagnostics). */
  long[] commitCounts() {
    return new long[] {commits, committedOps};
  }

  /** How many of the group commits were not synced when they returned (tests, diagnostics). */
  long syncedLaterCommits() {
    return syncedLaterCommits;
  }

  /** How many WAL syncs the time bound on commits synced later made (tests, diagnostics). */
  long timedSyncs() {
    return timedSyncs;
  }

  private <T> T nested(TransactionWork<T> work) {
    writer.execute("SAVEPOINT nested");
    PendingWrite<?> outer = running;
    int actions = outer == null ? 0 : outer.afterCommitCount();
    boolean finished = false;
    try {
      Outcome<T> outcome = work.run(writer);
      if (!outcome.commit()) {
        writer.execute("ROLLBACK TO nested");
        if (outer != null) {
          outer.dropActionsFrom(actions);
        }
      }
      writer.execute("RELEASE nested");
      finished = true;
      return outcome.value();
    } finally {
      if (!finished) {
        if (outer != null) {
          outer.dropActionsFrom(actions);
        }
        try {
          writer.execute("ROLLBACK TO nested");
          writer.execute("RELEASE nested");
        } catch (RuntimeException e) {
          log.atDebug().setCause(e).log("rollback of a nested write found no savepoint");
        }
      }
    }
  }

  private void writeLoop() {
    List<PendingWrite<?>> batch = new ArrayList<>(MAX_BATCH);
    boolean stopping = false;
    while (!stopping) {
      boolean queuedWork;
      try {
        queuedWork = awaitQueued();
      } catch (InterruptedException e) {
        continue; // only close() ends the writer, through the queue
      }
      // Taken only once the connection is free: whatever queued while a caller ran its own work
      // commits as one group. Only this thread takes from the queue, so it is not empty here
      // unless the wait ended for the time bound.
      writerLock.lock();
      syncIfDue();
      if (!queuedWork) {
        writerLock.unlock();
        continue;
      }
      queue.drainTo(batch, MAX_BATCH);
      // nothing is queued after the stop marker, so it can only be last
      if (batch.get(batch.size() - 1) == PendingWrite.STOP) {
        batch.remove(batch.size() - 1);
        stopping = true;
      }
      if (batch.isEmpty()) {
        writerLock.unlock();
      } else {
        runHolding(batch);
      }
      batch.clear();
    }
  }

  /** Waits for queued work; false when, before any came, a commit synced later is due its sync. */
  private boolean awaitQueued() throws InterruptedException {
    submitLock.lock();
    try {
      while (queue.isEmpty()) {
        long since = unsyncedSince;
        if (since == 0) {
          queued.await();
          continue;
        }
        long left = since + SYNC_LATER_WITHIN.toNanos() - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        queued.awaitNanos(left);
      }
      return true;
    } finally {
      submitLock.unlock();
    }
  }

  /**
   * With {@code writerLock} held, outside a transaction: when the oldest commit synced later has
   * waited {@link #SYNC_LATER_WITHIN}, checkpoints the WAL. SQLite syncs the WAL file before it
   * copies any frame back (with {@code synchronous} NORMAL or FULL), so a checkpoint that copied
   * every frame has synced them all; one that could not (a reader holding an older snapshot) is
   * tried again a period later.
   */
  private void syncIfDue() {
    long since = unsyncedSince;
    if (since == 0 || System.nanoTime() - since < SYNC_LATER_WITHIN.toNanos()) {
      return;
    }
    try {
      boolean all =
          WriterStatements.one(
              writer,
              "PRAGMA wal_checkpoint(PASSIVE)",
              row -> row.getInt(2) >= 0 && row.getInt(3) == row.getInt(2));
      timedSyncs++;
      unsyncedSince = all ? 0 : nonZero(System.nanoTime());
    } catch (RuntimeException e) {
      unsyncedSince = nonZero(System.nanoTime());
      log.atWarn().setCause(e).log("the WAL's timed sync failed: trying again later");
    }
  }

  private static long nonZero(long nanos) {
    return nanos == 0 ? 1 : nanos;
  }

  /** Runs a group on the writer connection, {@code writerLock} held; releases it. */
  private void runHolding(List<PendingWrite<?>> batch) {
    writing = Thread.currentThread();
    try {
      runGroup(batch);
    } catch (Throwable t) {
      // a bug here must not leave callers waiting forever, nor a transaction open
      Transactions.rollbackAfterFailure(writer);
      for (PendingWrite<?> op : batch) {
        op.fail(t);
      }
      log.atError().setCause(t).log("the SQLite writer failed a group of writes");
    } finally {
      writing = null;
      writerLock.unlock();
    }
  }

  /** Runs {@code batch} in one transaction; on a failure of the transaction, each op alone. */
  private void runGroup(List<PendingWrite<?>> batch) {
    if (runTogether(batch)) {
      countCommit(batch.size());
      for (PendingWrite<?> op : batch) {
        op.runAfterCommit();
        op.complete();
      }
      return;
    }
    if (batch.size() == 1 || !began) {
      // one write holds its own failure; a BEGIN that failed (another process kept the write
      // lock past the busy timeout) ran nothing and is no write's fault: retrying each alone
      // would only make every caller wait out the timeout again
      for (PendingWrite<?> op : batch) {
        op.complete();
      }
      return;
    }
    log.atWarn()
        .addKeyValue("writes", batch.size())
        .log("a group commit failed as a whole: running its writes one by one");
    for (PendingWrite<?> op : batch) {
      List<PendingWrite<?>> alone = List.of(op);
      if (runTogether(alone)) {
        countCommit(1);
        op.runAfterCommit();
      }
      op.complete();
    }
  }

  private void countCommit(int ops) {
    commits++;
    committedOps += ops;
    if (writerSync == Sync.LATER) {
      syncedLaterCommits++;
      if (unsyncedSince == 0) {
        unsyncedSince = nonZero(System.nanoTime());
        wakeWriterThread(); // it may be waiting with no deadline
      }
    }
    // A synced COMMIT is not trusted to clear it: one whose work changed nothing writes no frame
    // and syncs nothing. The timed checkpoint costs one sync a second at most.
  }

  private void wakeWriterThread() {
    submitLock.lock();
    try {
      queued.signal();
    } finally {
      submitLock.unlock();
    }
  }

  /**
   * Runs the ops in one transaction, each inside a savepoint, and commits. Returns whether the
   * transaction committed; if not, every op of a single-op batch holds the failure, and all effects
   * were rolled back. A lone op (the usual case below saturation) needs no savepoint: the
   * transaction is its own, and its rollback is the transaction's.
   */
  private boolean runTogether(List<PendingWrite<?>> batch) {
    boolean savepoints = batch.size() > 1;
    began = false;
    try {
      syncAs(Sync.of(batch));
      WriterStatements.execute(writer, "BEGIN IMMEDIATE");
    } catch (RuntimeException e) {
      for (PendingWrite<?> op : batch) {
        op.failed(e);
      }
      return false;
    }
    began = true;
    for (PendingWrite<?> op : batch) {
      op.reset();
      running = op;
      try {
        if (savepoints) {
          WriterStatements.execute(writer, SAVEPOINT);
        }
        op.run(writer);
        if (!op.commits()) {
          op.dropActionsFrom(0);
          if (savepoints) {
            WriterStatements.execute(writer, ROLLBACK_TO);
          }
        }
        if (savepoints) {
          WriterStatements.execute(writer, RELEASE);
        }
      } catch (RuntimeException | Error e) {
        op.failed(e);
        if (!savepoints || !rolledBackToSavepoint()) {
          Transactions.rollbackAfterFailure(writer);
          return false;
        }
      } finally {
        running = null;
      }
    }
    try {
      // a lone op that does not commit ends the transaction it had to itself
      WriterStatements.execute(
          writer, savepoints || batch.get(0).commits() ? "COMMIT" : "ROLLBACK");
      return true;
    } catch (RuntimeException e) {
      Transactions.rollbackAfterFailure(writer);
      for (PendingWrite<?> op : batch) {
        op.failed(e);
      }
      return false;
    }
  }

  /**
   * Sets the writer's {@code synchronous} mode for the next commit when it differs. Outside a
   * transaction, so a failure leaves no transaction open; the mode is then unknown, and a group
   * that must be synced fails rather than commit unsynced.
   */
  private void syncAs(Sync sync) {
    if (sync == writerSync) {
      return;
    }
    writerSync = null;
    WriterStatements.execute(writer, sync.pragma);
    writerSync = sync;
  }

  /** Undoes the failed op's savepoint; false when the failure ended the whole transaction. */
  private boolean rolledBackToSavepoint() {
    try {
      WriterStatements.execute(writer, ROLLBACK_TO);
      WriterStatements.execute(writer, RELEASE);
      return true;
    } catch (RuntimeException lost) {
      return false; // no savepoint is left
    }
  }

  /**
   * Lets the writer finish every write queued so far, then runs {@code release} (closing the
   * connections) while holding the writer connection: a caller may still be running its work on it.
   * Writes after this are refused; a second call does nothing.
   */
  void close(Runnable release) {
    submitLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(PendingWrite.STOP);
      queued.signal();
    } finally {
      submitLock.unlock();
    }
    boolean interrupted = false;
    while (writerThread.isAlive()) {
      try {
        writerThread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    writerLock.lock(); // a caller may still be running its work itself
    try {
      release.run();
    } finally {
      writerLock.unlock();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** When a commit reaches the disk: before its callers return, or with a later commit. */
  enum Sync {
    /** Synced before the callers return ({@code synchronous=FULL}): survives a power loss. */
    NOW("PRAGMA synchronous = FULL"),
    /**
     * Written to the WAL before the callers return, synced by the next synced commit or checkpoint
     * ({@code synchronous=NORMAL}): survives a crash of the process, not always a power loss.
     */
    LATER("PRAGMA synchronous = NORMAL");

    private final String pragma;

    Sync(String pragma) {
      this.pragma = pragma;
    }

    /** A group is synced now when any of its work must be. */
    static Sync of(List<PendingWrite<?>> batch) {
      for (PendingWrite<?> op : batch) {
        if (op.sync() == NOW) {
          return NOW;
        }
      }
      return LATER;
    }
  }
}
