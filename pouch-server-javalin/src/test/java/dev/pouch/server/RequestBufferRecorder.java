package dev.pouch.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Records which connection each request buffer was handed to, from Jetty's own DEBUG line "request
 * buffer acquired {buffer} {connection}" (swallowed here, never printed). Buffers are compared by
 * identity and kept referenced, so a buffer seen twice is one the pool handed out twice, not a new
 * one at a recycled address.
 */
final class RequestBufferRecorder extends TurboFilter implements AutoCloseable {
  private final Map<ByteBuffer, Object> owner = new IdentityHashMap<>();
  private final List<String> shared = new ArrayList<>();
  private int acquisitions;
  private LoggerContext context;
  private Level before;

  static RequestBufferRecorder install() {
    RequestBufferRecorder recorder = new RequestBufferRecorder();
    recorder.context = (LoggerContext) LoggerFactory.getILoggerFactory();
    recorder.start();
    recorder.context.addTurboFilter(recorder);
    Logger connection = recorder.context.getLogger(BadMessageRaceWidener.CONNECTION_LOGGER);
    recorder.before = connection.getLevel();
    connection.setLevel(Level.DEBUG);
    return recorder;
  }

  @Override
  public void close() {
    context.getLogger(BadMessageRaceWidener.CONNECTION_LOGGER).setLevel(before);
    context.getTurboFilterList().remove(this);
  }

  synchronized int acquisitions() {
    return acquisitions;
  }

  /** Each buffer that was handed to more than one connection, described. */
  synchronized List<String> sharedBuffers() {
    return List.copyOf(shared);
  }

  @Override
  public FilterReply decide(
      Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level != Level.DEBUG || !BadMessageRaceWidener.CONNECTION_LOGGER.equals(logger.getName())) {
      return FilterReply.NEUTRAL;
    }
    if (format == null) {
      return FilterReply.NEUTRAL; // isDebugEnabled(): yes, so that Jetty makes the call
    }
    if (format.startsWith("request buffer acquired")
        && params != null
        && params.length == 2
        && params[0] instanceof RetainableByteBuffer buffer) {
      record(buffer.getByteBuffer(), params[1]);
    }
    return FilterReply.DENY;
  }

  private synchronized void record(ByteBuffer buffer, Object connection) {
    acquisitions++;
    Object previous = owner.put(buffer, connection);
    if (previous != null && previous != connection && shared.size() < 10) {
      shared.add(
          "buffer@"
              + Integer.toHexString(System.identityHashCode(buffer))
              + " went to connection@"
              + Integer.toHexString(System.identityHashCode(previous))
              + " and then to connection@"
              + Integer.toHexString(System.identityHashCode(connection)));
    }
  }
}
