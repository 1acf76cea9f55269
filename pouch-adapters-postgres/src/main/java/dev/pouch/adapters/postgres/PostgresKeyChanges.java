package dev.pouch.adapters.postgres;

import dev.pouch.application.port.out.KeyChange;
import dev.pouch.application.port.out.KeyChanges;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link KeyChanges} on PostgreSQL's LISTEN/NOTIFY, one channel per schema ({@link
 * KeyChangeChannel}). The store's key writes already notify {@link KeyChange.Effect#RELOAD} in
 * their own transaction ({@link PostgresKeyRepository}), so {@link #published} sends only what the
 * store cannot know: that a key's plugins restart, right after the change committed.
 *
 * <p>Listening takes one connection of its own, outside the pool, opened at the first {@link
 * #subscribe} and polled with {@code getNotifications} on one daemon thread. When it is lost, the
 * thread reconnects with backoff and, once listening again, tells every listener that changes may
 * have been missed. An idle connection is checked every few seconds, so a silent network failure is
 * found too. Closed with the store.
 */
final class PostgresKeyChanges implements KeyChanges {
  private static final Logger log = LoggerFactory.getLogger(PostgresKeyChanges.class);
  private static final int POLL_MILLIS = 250;
  private static final long CHECK_IDLE_NANOS = Duration.ofSeconds(5).toNanos();
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  private final Database database;
  private final KeyChangeChannel channel;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Object lifecycle = new Object();
  private volatile boolean closed;
  private Thread thread; // guarded by lifecycle

  PostgresKeyChanges(Database database, KeyChangeChannel channel) {
    this.database = database;
    this.channel = channel;
  }

  @Override
  public void published(KeyChange change) {
    if (change.effect() == KeyChange.Effect.RELOAD) {
      return; // told already, in the transaction that made the change
    }
    try {
      database.write(
          handle -> {
            channel.send(handle, change);
            return null;
          });
    } catch (RuntimeException unreachable) {
      log.atWarn()
          .addKeyValue("key_id", change.keyId())
          .addKeyValue("reason", String.valueOf(unreachable.getMessage()))
          .log("key change not sent to the other instances; they reload the key, not its plugins");
    }
  }

  /**
   * Starts listening (at the first listener, before this returns when the server answers, so that
   * no change committed after it is missed) and delivers every other instance's change to {@code
   * listener}.
   */
  @Override
  public void subscribe(Listener listener) {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("the store is closed");
      }
      listeners.add(listener);
      if (thread == null) {
        Connection first = connectOrNull();
        thread = new Thread(() -> listen(first), "pouch-key-changes");
        thread.setDaemon(true);
        thread.start();
      }
    }
  }

  /** The loop of the listening thread: poll, deliver, reconnect after a loss. */
  private void listen(Connection first) {
    Connection connection = first;
    Duration backoff = FIRST_BACKOFF;
    while (!closed) {
      if (connection == null) {
        sleep(backoff);
        backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
        connection = connectOrNull();
        if (connection == null) {
          continue;
        }
        backoff = FIRST_BACKOFF;
        listeners.forEach(Listener::missedChanges);
        log.atInfo().addKeyValue("channel", channel.name()).log("listening to key changes again");
      }
      try {
        poll(connection);
      } catch (SQLException lost) {
        if (!closed) {
          log.atWarn()
              .addKeyValue("channel", channel.name())
              .addKeyValue("reason", String.valueOf(lost.getMessage()))
              .log("key change connection lost; reconnecting");
        }
        closeQuietly(connection);
        connection = null;
      }
    }
    closeQuietly(connection);
  }

  /** Delivers what arrives until the connection fails or the store closes. */
  private void poll(Connection connection) throws SQLException {
    PGConnection notifications = connection.unwrap(PGConnection.class);
    long lastHeard = System.nanoTime();
    while (!closed) {
      PGNotification[] arrived = notifications.getNotifications(POLL_MILLIS);
      if (arrived != null && arrived.length > 0) {
        lastHeard = System.nanoTime();
        for (PGNotification notification : arrived) {
          deliver(notification.getParameter());
        }
      } else if (System.nanoTime() - lastHeard > CHECK_IDLE_NANOS) {
        if (!connection.isValid(2)) {
          throw new SQLException("the key change connection does not answer");
        }
        lastHeard = System.nanoTime();
      }
    }
  }

  private void deliver(String message) {
    channel
        .otherInstancesChange(message)
        .ifPresent(
            change -> {
              for (Listener listener : listeners) {
                try {
                  listener.changed(change);
                } catch (RuntimeException failed) {
                  log.atError()
                      .addKeyValue("key_id", change.keyId())
                      .setCause(failed)
                      .log("a key change listener failed");
                }
              }
            });
  }

  /** How the listening session shows in {@code pg_stat_activity}: one name per instance. */
  String applicationName() {
    return "pouch key changes " + channel.instance();
  }

  /** A listening connection, or null when the server cannot be reached now. */
  private Connection connectOrNull() {
    Connection connection = null;
    try {
      connection = database.unpooledConnection(applicationName());
      try (Statement statement = connection.createStatement()) {
        statement.execute(channel.listenStatement());
      }
      return connection;
    } catch (SQLException | RuntimeException unreachable) {
      closeQuietly(connection);
      log.atWarn()
          .addKeyValue("channel", channel.name())
          .addKeyValue("reason", String.valueOf(unreachable.getMessage()))
          .log("cannot listen to key changes; retrying");
      return null;
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Waits before reconnecting, woken early by {@link #close}. */
  private void sleep(Duration duration) {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      try {
        lifecycle.wait(duration.toMillis());
      } catch (InterruptedException stopping) {
        Thread.currentThread().interrupt();
        closed = true;
      }
    }
  }

  private static void closeQuietly(Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException ignored) {
      // the session ends with the socket either way
    }
  }

  /** Stops listening and closes the connection, within a poll's time. */
  @Override
  public void close() {
    Thread stopping;
    synchronized (lifecycle) {
      closed = true;
      stopping = thread;
      lifecycle.notifyAll();
    }
    if (stopping == null) {
      return;
    }
    try {
      stopping.join(Duration.ofSeconds(5).toMillis());
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
