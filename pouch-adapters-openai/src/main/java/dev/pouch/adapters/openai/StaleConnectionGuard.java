package dev.pouch.adapters.openai;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.SocketFactory;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a request off a pooled HTTP/1.1 connection that the upstream closed while it sat idle.
 *
 * <p>Servers close idle keep-alive connections on their own clock (uvicorn, so vLLM and LiteLLM,
 * and Node after 5 s, gunicorn after 2 s), and OkHttp only checks a pooled connection for that once
 * it has been idle for 10 s. A request sent on such a connection fails with "unexpected end of
 * stream", and Pouch never resends a request that may have reached the upstream (it could be billed
 * twice). So before a request is written, a network interceptor looks at the socket without
 * blocking: a connection the peer closed (or that holds bytes no request asked for) is closed and
 * refused, and an application interceptor sends the request again on another connection. Nothing of
 * the request was written, so nothing can be billed twice.
 *
 * <p>The look needs the socket's channel, so sockets are made from {@link SocketChannel}s. A TLS
 * connection's socket hides its channel and is not looked at: OkHttp's own check (after 10 s idle)
 * and HTTP/2's pings cover those, and the hosted upstreams behind TLS keep idle connections for
 * minutes.
 */
final class StaleConnectionGuard {
  private static final Logger log = LoggerFactory.getLogger(StaleConnectionGuard.class);

  private StaleConnectionGuard() {}

  /** Adds the guard to a client that uses {@code pool}. */
  static OkHttpClient.Builder install(OkHttpClient.Builder builder, ConnectionPool pool) {
    return builder
        .connectionPool(pool)
        .socketFactory(new ChannelSocketFactory())
        .addInterceptor(chain -> sendOnLiveConnection(chain, pool))
        .addNetworkInterceptor(StaleConnectionGuard::refuseClosedConnection);
  }

  /**
   * Sends the request again while the connection it got was found closed before writing. Each such
   * connection is closed, so the pool drops it: the tries are bounded by the idle connections there
   * were, plus one fresh connection (and one more, should a fresh one be refused too).
   */
  private static Response sendOnLiveConnection(Interceptor.Chain chain, ConnectionPool pool)
      throws IOException {
    int triesLeft = -1; // set at the first refusal
    while (true) {
      try {
        return chain.proceed(chain.request());
      } catch (ClosedWhileIdleException refused) {
        if (triesLeft < 0) {
          triesLeft = pool.idleConnectionCount() + 2;
        }
        if (--triesLeft < 0) {
          throw refused;
        }
        log.atDebug()
            .addKeyValue("upstream", chain.request().url().host())
            .log("the upstream closed an idle connection: the request goes on another");
      }
    }
  }

  private static Response refuseClosedConnection(Interceptor.Chain chain) throws IOException {
    Connection connection = chain.connection();
    if (connection != null
        && connection.protocol() == Protocol.HTTP_1_1
        && closedByPeer(connection.socket())) {
      connection.socket().close(); // the pool drops a closed socket
      throw new ClosedWhileIdleException();
    }
    return chain.proceed(chain.request());
  }

  /**
   * Whether the peer closed the socket (or sent bytes no request asked for), read without blocking.
   * An idle HTTP/1.1 connection has nothing to read; a socket without a channel is not looked at.
   */
  static boolean closedByPeer(Socket socket) {
    SocketChannel channel = socket.getChannel();
    if (channel == null) {
      return false;
    }
    try {
      synchronized (channel.blockingLock()) {
        channel.configureBlocking(false);
        try {
          return channel.read(ByteBuffer.allocate(1)) != 0;
        } finally {
          channel.configureBlocking(true);
        }
      }
    } catch (IOException broken) {
      return true; // reset by the peer, or closed
    }
  }

  /** The connection was closed by the upstream before the request was written: send it again. */
  static final class ClosedWhileIdleException extends IOException {
    ClosedWhileIdleException() {
      super("the upstream closed an idle connection before the request was sent");
    }
  }

  /**
   * Sockets backed by a {@link SocketChannel}, so {@link #closedByPeer} can read without blocking.
   */
  static final class ChannelSocketFactory extends SocketFactory {
    @Override
    public Socket createSocket() throws IOException {
      return SocketChannel.open().socket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
        throws IOException {
      return connected(
          new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress localHost, int localPort)
        throws IOException {
      return connected(
          new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
      Socket socket = createSocket();
      try {
        if (local != null) {
          socket.bind(local);
        }
        socket.connect(remote);
        return socket;
      } catch (IOException e) {
        socket.close();
        throw e;
      }
    }
  }
}
