package dev.pouch.adapters.postgres;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's row in {@code instances}: registered at start, renewed every third of the lease on
 * the database's clock (so the instances' clocks need not agree), and after each renewal a sweep
 * recovers the open reservations of the instances whose lease ran out. Closing recovers what this
 * instance still holds open and deletes its row, so a clean stop leaves nothing for the others.
 *
 * <p>An instance that could not renew in time (a pause longer than its lease) may have been
 * recovered: its reservations were charged in full and its row deleted, so a reservation it tries
 * afterwards fails on the foreign key until the next renewal registers the row again; its late
 * settlements find nothing to settle. Over-counted, never under-counted.
 */
final class InstanceLease implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InstanceLease.class);

  /** The database's clock in epoch milliseconds: every lease is judged by one clock. */
  static final String DB_NOW_MILLIS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

  private static final String REGISTER =
      "INSERT INTO instances (id, host, started_at, lease_until) VALUES (:id, :host, "
          + DB_NOW_MILLIS
          + ", "
          + DB_NOW_MILLIS
          + " + :lease) ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until";

  private static final String RENEW =
      "UPDATE instances SET lease_until = " + DB_NOW_MILLIS + " + :lease WHERE id = :id";

  private final Database database;
  private final String id;
  private final long leaseMillis;
  private final ScheduledExecutorService renewer;

  private InstanceLease(Database database, String id, long leaseMillis) {
    this.database = database;
    this.id = id;
    this.leaseMillis = leaseMillis;
    this.renewer =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "pouch-instance-lease");
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Registers a new instance with a lease of {@code lease}; nothing runs until {@link #start}. */
  static InstanceLease register(Database database, Duration lease) {
    if (lease.toMillis() < 1_000) {
      throw new IllegalArgumentException("an instance lease must be at least 1 s");
    }
    byte[] random = new byte[8];
    new SecureRandom().nextBytes(random);
    InstanceLease registered =
        new InstanceLease(database, "inst_" + HexFormat.of().formatHex(random), lease.toMillis());
    registered.insert();
    log.atInfo()
        .addKeyValue("instance", registered.id)
        .addKeyValue("lease_ms", registered.leaseMillis)
        .log("instance registered");
    return registered;
  }

  /** This instance's id, written on each of its reservations. */
  String id() {
    return id;
  }

  /** Renews the lease every third of it and runs {@code sweep} after each renewal. */
  void start(Runnable sweep) {
    long every = Math.max(200, leaseMillis / 3);
    renewer.scheduleWithFixedDelay(
        () -> {
          try {
            renew();
            sweep.run();
          } catch (RuntimeException unreachable) {
            // the next round tries again; a lease that runs out meanwhile is recovered by others
            log.atWarn()
                .addKeyValue("instance", id)
                .addKeyValue("reason", String.valueOf(unreachable.getMessage()))
                .log("instance lease renewal failed");
          }
        },
        every,
        every,
        TimeUnit.MILLISECONDS);
  }

  private void renew() {
    int renewed =
        database.write(
            handle ->
                handle.createUpdate(RENEW).bind("lease", leaseMillis).bind("id", id).execute());
    if (renewed == 0) {
      log.atError()
          .addKeyValue("instance", id)
          .log(
              "this instance's lease had run out and another instance recovered its open"
                  + " reservations (charged in full); registering again");
      insert();
    }
  }

  private void insert() {
    database.write(
        handle ->
            handle
                .createUpdate(REGISTER)
                .bind("id", id)
                .bind("host", hostName())
                .bind("lease", leaseMillis)
                .execute());
  }

  /** Stops renewing (and sweeping); the row stays until {@link #close}. */
  void stopRenewing() {
    renewer.shutdownNow();
    try {
      renewer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops renewing and deletes the row: the caller recovers what the instance held first (its
   * reservations reference the row).
   */
  @Override
  public void close() {
    stopRenewing();
    database.write(handle -> handle.execute("DELETE FROM instances WHERE id = ?", id));
    log.atInfo().addKeyValue("instance", id).log("instance deregistered");
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown";
    }
  }
}
