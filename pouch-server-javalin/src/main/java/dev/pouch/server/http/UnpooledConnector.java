package dev.pouch.server.http;

import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Pouch's HTTP/1.1 connector: its buffers are never pooled, so no two connections ever share one.
 *
 * <p>Jetty 12.1 (checked 12.1.12 to 12.1.14) can use a request buffer after giving it back to its
 * pool: on a malformed request it answers the error from another thread and, once that answer is
 * sent, runs the connection's read loop again while the first thread may still hold, fill or
 * release the same buffer. With a pool, that buffer is meanwhile another connection's response
 * header or request buffer, so one client's request bytes (an app key in a header) can reach
 * another client's response. A buffer per use costs an allocation per request and removes the
 * sharing; heap buffers keep that allocation cheap. docs/SECURITY.md has the evidence.
 */
public final class UnpooledConnector {
  /**
   * A response's own buffer. Jetty's default is 32 KiB, and a stream holds its buffer while it is
   * open: at 9,000 open streams that was most of the heap per stream. Writes past a quarter of it
   * go out without copying.
   */
  static final int OUTPUT_BUFFER_BYTES = 8 * 1024;

  private UnpooledConnector() {}

  /** A connector for {@code host:port} (port 0: any free one) whose buffers are its own. */
  public static ServerConnector create(
      Server server, HttpConfiguration http, String host, int port, int acceptQueue) {
    http.setUseInputDirectByteBuffers(false);
    http.setUseOutputDirectByteBuffers(false);
    http.setOutputBufferSize(OUTPUT_BUFFER_BYTES);
    ServerConnector connector =
        new ServerConnector(
            server,
            null,
            null,
            new ByteBufferPool.NonPooling(),
            -1,
            -1,
            new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    connector.setAcceptQueueSize(acceptQueue);
    return connector;
  }
}
