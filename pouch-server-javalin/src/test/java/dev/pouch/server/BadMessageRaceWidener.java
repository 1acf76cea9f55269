package dev.pouch.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpParser;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Fault injection for the race on Jetty's bad-message path, through Jetty's own DEBUG log calls
 * (swallowed here, never formatted). Jetty's {@code HttpConnection} logs "parsed …" right after its
 * parser reported a bad message and handed the error answer to another thread, and before it
 * releases its request buffer; once that answer is sent, Jetty runs the connection's read loop
 * ({@code onFillable}) again on a third thread. This filter holds the first thread at "parsed"
 * until the third one enters the loop (or {@code maxPauseNanos} passed), spinning so as to let go
 * within nanoseconds of it,, which stands for the first thread being descheduled on a loaded
 * machine. It also counts how often two threads were inside one connection's read loop at once, and
 * the exceptions Jetty swallowed there.
 */
final class BadMessageRaceWidener extends TurboFilter implements AutoCloseable {
  static final String CONNECTION_LOGGER = "org.eclipse.jetty.server.internal.HttpConnection";

  private final long maxPauseNanos;
  private final Map<Object, AtomicInteger> inside = new ConcurrentHashMap<>();
  private final Map<Object, AtomicBoolean> held = new ConcurrentHashMap<>();
  private final LongAdder badMessages = new LongAdder();
  private final LongAdder overlaps = new LongAdder();
  private final Map<String, LongAdder> swallowed = new ConcurrentHashMap<>();
  private LoggerContext context;
  private Level before;

  private BadMessageRaceWidener(long maxPauseNanos) {
    this.maxPauseNanos = maxPauseNanos;
  }

  /** Installs the filter; {@code maxPauseNanos} 0 only counts. */
  static BadMessageRaceWidener install(long maxPauseNanos) {
    BadMessageRaceWidener filter = new BadMessageRaceWidener(maxPauseNanos);
    filter.context = (LoggerContext) LoggerFactory.getILoggerFactory();
    filter.start();
    filter.context.addTurboFilter(filter);
    Logger connection = filter.context.getLogger(CONNECTION_LOGGER);
    filter.before = connection.getLevel();
    connection.setLevel(Level.DEBUG);
    return filter;
  }

  @Override
  public void close() {
    context.getLogger(CONNECTION_LOGGER).setLevel(before);
    context.getTurboFilterList().remove(this);
  }

  /** What was seen: bad messages held, read loops entered twice at once, swallowed exceptions. */
  String summary() {
    Map<String, Long> exceptions = new java.util.TreeMap<>();
    swallowed.forEach((k, v) -> exceptions.put(k, v.sum()));
    return "bad messages "
        + badMessages.sum()
        + ", two threads in one connection's read loop "
        + overlaps.sum()
        + " times, swallowed "
        + exceptions;
  }

  long overlaps() {
    return overlaps.sum();
  }

  @Override
  public FilterReply decide(
      Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level != Level.DEBUG || !CONNECTION_LOGGER.equals(logger.getName())) {
      return FilterReply.NEUTRAL;
    }
    if (format == null || params == null) {
      return format == null ? FilterReply.NEUTRAL : FilterReply.DENY; // isDebugEnabled(): yes
    }
    if (format.startsWith("onFillable enter")) {
      Object connection = params[params.length - 1];
      if (inside.computeIfAbsent(connection, c -> new AtomicInteger()).incrementAndGet() > 1) {
        overlaps.increment();
      }
      AtomicBoolean entered = held.get(connection);
      if (entered != null) {
        entered.set(true);
      }
    } else if (format.startsWith("onFillable exit")) {
      Object connection = params[params.length - 1];
      AtomicInteger count = inside.get(connection);
      if (count != null && count.decrementAndGet() == 0) {
        inside.remove(connection, count);
      }
    } else if (format.startsWith("parsed ")
        && params.length > 3
        && params[1] instanceof HttpParser parser
        && parser.getState() == HttpParser.State.CLOSE) {
      badMessages.increment();
      if (maxPauseNanos < 0) { // plain random pause
        java.util.concurrent.locks.LockSupport.parkNanos(
            ThreadLocalRandom.current().nextLong(-maxPauseNanos));
      } else if (maxPauseNanos > 0) {
        Object connection = params[3];
        AtomicBoolean entered = new AtomicBoolean();
        held.put(connection, entered);
        // Spin rather than park: the point is to let go within nanoseconds of the other thread.
        long deadline = System.nanoTime() + maxPauseNanos;
        while (!entered.get() && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        long jitter = System.nanoTime() + ThreadLocalRandom.current().nextLong(3_000);
        while (System.nanoTime() < jitter) {
          Thread.onSpinWait();
        }
        held.remove(connection);
      }
    } else if (format.startsWith("caught exception")
        && params[params.length - 1] instanceof Throwable x) {
      String what = x.getClass().getSimpleName();
      String message = String.valueOf(x.getMessage());
      what += message.startsWith("already released") ? ": already released" : "";
      what += message.contains("Parser is terminated") ? ": parser terminated" : "";
      swallowed.computeIfAbsent(what, k -> new LongAdder()).increment();
    }
    return FilterReply.DENY;
  }
}
