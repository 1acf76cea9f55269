package dev.pouch.server.operations;

import dev.pouch.application.retention.RequestLogPruner;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the request-log pruner on a daemon thread of its own, a minute after start and then {@link
 * #EVERY} after each run ends, so runs never overlap. A run that fails is logged and the next one
 * tries again.
 */
public final class PruneSchedule implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PruneSchedule.class);

  /** The wait between the end of one run and the start of the next. */
  public static final Duration EVERY = Duration.ofMinutes(10);

  private static final Duration FIRST_RUN = Duration.ofMinutes(1);

  private final ScheduledExecutorService executor;

  private PruneSchedule(ScheduledExecutorService executor) {
    this.executor = executor;
  }

  /** Schedules {@code pruner}; {@link #close} stops it. */
  public static PruneSchedule start(RequestLogPruner pruner) {
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "pouch-request-log-pruner");
              thread.setDaemon(true);
              return thread;
            });
    executor.scheduleWithFixedDelay(
        () -> runQuietly(pruner), FIRST_RUN.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
    log.atInfo()
        .addKeyValue("keep_days", pruner.policy().keep().toDays())
        .addKeyValue("batch", pruner.policy().batchSize())
        .log("request-log retention on");
    return new PruneSchedule(executor);
  }

  /** A scheduled task that throws is never run again: log it, and try at the next run. */
  private static void runQuietly(RequestLogPruner pruner) {
    try {
      pruner.pruneOnce();
    } catch (RuntimeException e) {
      log.atWarn().setCause(e).log("request-log pruning failed; trying again at the next run");
    }
  }

  /** Stops the schedule; a run in progress ends at its next batch (it is interrupted). */
  @Override
  public void close() {
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        log.atWarn().log("request-log pruning did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
