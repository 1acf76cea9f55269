package dev.pouch.adapters.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The connections to one SQLite file: a single writer and a small pool of read-only readers.
 *
 * <p>Every write goes through the one writer connection, which commits <em>groups</em> of callers'
 * transactions (group commit). Callers queue their work and wait; a writer thread takes every
 * waiting piece of work (up to {@link #MAX_BATCH}), runs them in one {@code BEGIN IMMEDIATE}
 * transaction, each inside its own {@code SAVEPOINT}, and commits them with one {@code COMMIT} (one
 * fsync with {@code synchronous=FULL}). A caller returns only after the commit that holds its work:
 * every write is durable on return, exactly as with one transaction per caller, but a thousand
 * callers share a handful of fsyncs. A caller that finds nothing queued and the connection free
 * runs its work itself, as a group of one, instead of waking the writer thread and being woken by
 * it; whatever queues meanwhile waits for the connection and then commits as one group.
 *
 * <p>Work may instead ask to be {@linkplain Sync#LATER synced later}: a group made only of such
 * work commits with {@code synchronous=NORMAL}, without an fsync of its own. Its caller still
 * returns only after the commit, so the work is visible to every reader and survives a crash of the
 * process (its pages are in the WAL file); only a power loss or an OS crash before the next synced
 * commit can undo it. The WAL is one append-only log, so that next fsync makes every earlier commit
 * durable too: whatever a power loss undoes is always a tail of commits that were all synced later,
 * never one that returned as synced.
 *
 * <p>Each piece of work stays atomic and isolated from the others: its savepoint is rolled back
 * when it returns {@link Outcome#rollback} or throws, without touching the others of its group. If
 * a failure ends the whole transaction (an I/O error, say), or the commit itself fails, the group
 * is rolled back and every piece of work is run again alone, so one failing piece fails only its
 * own caller. Work must therefore be safe to run again after a rollback (it is: all its effects
 * were undone), and it runs in the order it arrived.
 *
 * <p>The writer stays in autocommit mode; transactions are plain {@code BEGIN IMMEDIATE} / {@code
 * COMMIT} / {@code ROLLBACK} statements, never the JDBC transaction API, whose sqlite-jdbc
 * implementation begins a new transaction right after each commit and can report a saved commit as
 * failed. Readers use their own WAL connections, so they never wait for the writer. The writer
 * thread is a platform thread; a virtual thread that runs its own work holds its carrier for the
 * native calls and the fsync, which measured cheaper than the two wake-ups it saves (D25 in
 * docs/ARCHITECTURE.md).
 */
final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  static final int READERS = 4;
  static final int BUSY_TIMEOUT_MILLIS = 5000;

  /** The writer's page cache, in KiB. */
  static final int WRITER_CACHE_KIB = 32 * 1024;

  /** The most pieces of work one group commit holds. */
  static final int MAX_BATCH = 128;

  private static final String SAVEPOINT = "SAVEPOINT op";
  private static final String RELEASE = "RELEASE op";
  private static final String ROLLBACK_TO = "ROLLBACK TO op";

  private final Handle writer;
  private final ReaderPool readerPool;
  private final Jdbi readers;

  private final BlockingQueue<Op<?>> queue = new LinkedBlockingQueue<>();
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
  private Op<?> running; // the op whose work runs now
  // counters for tests and diagnostics
  private volatile long commits;
  private volatile long committedOps;
  private volatile long syncedLaterCommits;

  private Database(Handle writer, ReaderPool readerPool) {
    this.writer = writer;
    this.readerPool = readerPool;
    this.readers = Jdbi.create(readerPool);
    this.writerThread = new Thread(this::writeLoop, "pouch-sqlite-writer");
    this.writerThread.setDaemon(true);
    this.writerThread.start();
  }

  /** Opens (creating it if needed) the file, applies the pragmas and migrates the schema. */
  static Database open(Path file) {
    String url = "jdbc:sqlite:" + file.toAbsolutePath();
    Connection writerConnection = connect(url, writerConfig());
    Handle writer = null;
    ReaderPool pool = null;
    try {
      Jdbi writerJdbi = Jdbi.create(new SingleConnectionFactory(writerConnection));
      writerJdbi.setStatementBuilderFactory(connection -> new CachingStatementBuilder());
      writer = writerJdbi.open();
      String journalMode = writer.select("PRAGMA journal_mode").mapTo(String.class).one();
      if (!"wal".equalsIgnoreCase(journalMode)) {
        throw new IllegalStateException(
            "SQLite refused WAL mode (journal_mode=" + journalMode + ")");
      }
      Migrations.apply(writer);
      pool = ReaderPool.open(READERS, () -> connect(url, readerConfig()));
      return new Database(writer, pool);
    } catch (RuntimeException e) {
      closeQuietly(pool, writer, writerConnection);
      throw e;
    }
  }

  /**
   * Runs one statement (or several) on the writer as one atomic piece of work, durable on return.
   */
  <T> T write(HandleCallback<T, RuntimeException> work) {
    return transaction(handle -> Outcome.commit(work.withHandle(handle)));
  }

  /**
   * Runs {@code work} atomically on the writer: committed (durably) before this returns when it
   * returns {@link Outcome#commit}, undone when it returns {@link Outcome#rollback} or throws (the
   * exception is thrown here). It may share its transaction with other callers' work, never its
   * effects: see the class comment. {@code work} may run more than once (after a rollback).
   */
  <T> T transaction(TransactionWork<T> work) {
    return transaction(work, Sync.NOW);
  }

  /**
   * As {@link #transaction(TransactionWork)}, but with {@link Sync#LATER} the commit need not be
   * synced to the disk before this returns (see the class comment); for work whose loss in a power
   * failure leaves a state that is still safe, such as a settlement (its reservation then stays
   * counted, and is recovered at its full amount).
   */
  <T> T transaction(TransactionWork<T> work, Sync sync) {
    if (Thread.currentThread() == writing) {
      return nested(work); // work of the writer calling the store again: already in a transaction
    }
    Op<T> op = new Op<>(work, sync);
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
    running.afterCommit.add(action);
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

  /**
   * Runs {@code work} between {@code BEGIN IMMEDIATE} and {@code COMMIT} (or {@code ROLLBACK}) on a
   * handle whose connection the caller owns exclusively.
   */
  static <T> T inTransaction(Handle handle, TransactionWork<T> work) {
    handle.execute("BEGIN IMMEDIATE");
    boolean finished = false;
    try {
      Outcome<T> outcome = work.run(handle);
      handle.execute(outcome.commit() ? "COMMIT" : "ROLLBACK");
      finished = true;
      return outcome.value();
    } finally {
      if (!finished) {
        rollbackAfterFailure(handle);
      }
    }
  }

  private <T> T nested(TransactionWork<T> work) {
    writer.execute("SAVEPOINT nested");
    Op<?> outer = running;
    int actions = outer == null ? 0 : outer.afterCommit.size();
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
    List<Op<?>> batch = new ArrayList<>(MAX_BATCH);
    boolean stopping = false;
    while (!stopping) {
      try {
        awaitQueued();
      } catch (InterruptedException e) {
        continue; // only close() ends the writer, through the queue
      }
      // Taken only once the connection is free: whatever queued while a caller ran its own work
      // commits as one group. Only this thread takes from the queue, so it is not empty here.
      writerLock.lock();
      queue.drainTo(batch, MAX_BATCH);
      // nothing is queued after the stop marker, so it can only be last
      if (batch.get(batch.size() - 1) == Op.STOP) {
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

  private void awaitQueued() throws InterruptedException {
    submitLock.lock();
    try {
      while (queue.isEmpty()) {
        queued.await();
      }
    } finally {
      submitLock.unlock();
    }
  }

  /** Runs a group on the writer connection, {@code writerLock} held; releases it. */
  private void runHolding(List<Op<?>> batch) {
    writing = Thread.currentThread();
    try {
      runGroup(batch);
    } catch (Throwable t) {
      // a bug here must not leave callers waiting forever, nor a transaction open
      rollbackAfterFailure(writer);
      for (Op<?> op : batch) {
        op.fail(t);
      }
      log.atError().setCause(t).log("the SQLite writer failed a group of writes");
    } finally {
      writing = null;
      writerLock.unlock();
    }
  }

  /** Runs {@code batch} in one transaction; on a failure of the transaction, each op alone. */
  private void runGroup(List<Op<?>> batch) {
    if (runTogether(batch)) {
      countCommit(batch.size());
      for (Op<?> op : batch) {
        op.runAfterCommit();
        op.complete();
      }
      return;
    }
    if (batch.size() == 1 || !began) {
      // one write holds its own failure; a BEGIN that failed (another process kept the write
      // lock past the busy timeout) ran nothing and is no write's fault: retrying each alone
      // would only make every caller wait out the timeout again
      for (Op<?> op : batch) {
        op.complete();
      }
      return;
    }
    log.atWarn()
        .addKeyValue("writes", batch.size())
        .log("a group commit failed as a whole: running its writes one by one");
    for (Op<?> op : batch) {
      List<Op<?>> alone = List.of(op);
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
    }
  }

  /**
   * Runs the ops in one transaction, each inside a savepoint, and commits. Returns whether the
   * transaction committed; if not, every op of a single-op batch holds the failure, and all effects
   * were rolled back. A lone op (the usual case below saturation) needs no savepoint: the
   * transaction is its own, and its rollback is the transaction's.
   */
  private boolean runTogether(List<Op<?>> batch) {
    boolean savepoints = batch.size() > 1;
    began = false;
    try {
      syncAs(Sync.of(batch));
      WriterStatements.execute(writer, "BEGIN IMMEDIATE");
    } catch (RuntimeException e) {
      for (Op<?> op : batch) {
        op.failed(e);
      }
      return false;
    }
    began = true;
    for (Op<?> op : batch) {
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
          rollbackAfterFailure(writer);
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
      rollbackAfterFailure(writer);
      for (Op<?> op : batch) {
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

  /** Runs a read on one of the reader connections. */
  <T> T read(HandleCallback<T, RuntimeException> work) {
    return readers.withHandle(work);
  }

  private static void rollbackAfterFailure(Handle handle) {
    try {
      handle.execute("ROLLBACK");
    } catch (RuntimeException e) {
      // the failed statement may already have ended the transaction: nothing is left to undo
      log.atDebug().setCause(e).log("rollback after a failed transaction found none open");
    }
  }

  /** Lets the writer finish every write queued so far, then closes every connection. */
  @Override
  public void close() {
    submitLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(Op.STOP);
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
      closeQuietly(readerPool, writer);
    } finally {
      writerLock.unlock();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static SQLiteConfig writerConfig() {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    // a reservation must be durable before the upstream call, even across a power loss
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    config.enforceForeignKeys(true);
    // sqlite-jdbc otherwise prepares and runs "SELECT last_insert_rowid()" after every INSERT (4 %
    // of a proxied request's CPU); no caller asks for generated keys
    config.setGetGeneratedKeys(false);
    // the pages every write touches (the indexes' last pages, the budgets) stay in memory: with
    // SQLite's default 2 MiB the writer re-read pages from the file on most commits
    config.setCacheSize(-WRITER_CACHE_KIB);
    return config;
  }

  private static SQLiteConfig readerConfig() {
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    config.enforceForeignKeys(true);
    return config;
  }

  private static Connection connect(String url, SQLiteConfig config) {
    try {
      return config.createConnection(url);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open SQLite database " + url, e);
    }
  }

  private static void closeQuietly(AutoCloseable... resources) {
    for (AutoCloseable resource : resources) {
      if (resource == null) {
        continue;
      }
      try {
        resource.close();
      } catch (Exception e) {
        log.atWarn().setCause(e).log("closing a database resource failed");
      }
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
    static Sync of(List<Op<?>> batch) {
      for (Op<?> op : batch) {
        if (op.sync == NOW) {
          return NOW;
        }
      }
      return LATER;
    }
  }

  /** The work of one transaction. */
  @FunctionalInterface
  interface TransactionWork<T> {
    Outcome<T> run(Handle handle);
  }

  /** What a transaction returns, and whether it commits. */
  record Outcome<T>(T value, boolean commit) {
    static <T> Outcome<T> commit(T value) {
      return new Outcome<>(value, true);
    }

    static <T> Outcome<T> rollback(T value) {
      return new Outcome<>(value, false);
    }
  }

  /** One caller's piece of work, and its result once the writer has committed (or failed) it. */
  private static final class Op<T> {
    static final Op<Void> STOP = new Op<>(handle -> Outcome.rollback(null), Sync.NOW);

    private final TransactionWork<T> work;
    private final Sync sync;
    private final CountDownLatch done = new CountDownLatch(1);
    private final List<Runnable> afterCommit = new ArrayList<>(2); // under writerLock
    // written under writerLock before done.countDown(), read by the caller after await
    private Outcome<T> outcome;
    private Throwable failure;

    Op(TransactionWork<T> work, Sync sync) {
      this.work = work;
      this.sync = Objects.requireNonNull(sync, "sync");
    }

    void reset() {
      outcome = null;
      failure = null;
      afterCommit.clear();
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

  /** Hands Jdbi the one writer connection; closing the handle closes it. */
  private record SingleConnectionFactory(Connection connection)
      implements org.jdbi.v3.core.ConnectionFactory {
    @Override
    public Connection openConnection() {
      return connection;
    }
  }
}
