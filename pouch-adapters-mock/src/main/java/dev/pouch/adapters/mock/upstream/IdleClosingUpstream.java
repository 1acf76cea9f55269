package dev.pouch.adapters.mock.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal HTTP/1.1 upstream for tests that keeps connections alive but closes idle ones without a
 * word, as uvicorn (so vLLM), Node (5 s) or gunicorn (2 s) do after their keep-alive timeout: on
 * its own clock, or when a test calls {@link #closeIdleConnections()}, which needs no timing. Every
 * request gets the same small {@code chat.completion} (plain JSON, also when a stream was asked
 * for). The JDK's HTTP server and MockWebServer cannot close a connection on its idleness alone.
 */
public final class IdleClosingUpstream implements AutoCloseable {
  /** The answer to every request. */
  public static final String ANSWER =
      "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
          + "{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":\"stop\"}],"
          + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,\"total_tokens\":10}}";

  private final ServerSocket server;
  private final int keepAliveMillis;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger idleCloses = new AtomicInteger();
  private final AtomicInteger toDrop = new AtomicInteger();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Set<Socket> idle = ConcurrentHashMap.newKeySet(); // waiting for their next request

  /**
   * Starts listening on a free loopback port; connections are closed only by {@link
   * #closeIdleConnections()}.
   */
  public IdleClosingUpstream() throws IOException {
    this(0);
  }

  /**
   * Starts listening on a free loopback port.
   *
   * @param keepAliveMillis how long a connection may stay idle before this upstream closes it; 0
   *     for ever (until {@link #closeIdleConnections()})
   */
  public IdleClosingUpstream(int keepAliveMillis) throws IOException {
    this.keepAliveMillis = keepAliveMillis;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "idle-closing-upstream");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The base URL to configure a provider with, ending in {@code /v1}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getLocalPort() + "/v1";
  }

  /** How many requests arrived (read in full), answered or dropped. */
  public int requests() {
    return requests.get();
  }

  /** How many connections were accepted. */
  public int connections() {
    return connections.get();
  }

  /** How many connections this upstream closed because they stayed idle. */
  public int idleCloses() {
    return idleCloses.get();
  }

  /**
   * Closes, without a word, every connection that waits for its next request, as a keep-alive
   * timeout would; call it between requests, not while one is under way. Returns how many it
   * closed.
   */
  public int closeIdleConnections() {
    int closed = 0;
    for (Socket socket : idle) {
      if (idle.remove(socket)) {
        idleCloses.incrementAndGet();
        closeQuietly(socket);
        closed++;
      }
    }
    return closed;
  }

  /**
   * Makes the next request be read in full and then its connection closed without an answer: an
   * upstream that failed after the request reached it (a client must not send it again).
   */
  public void dropNextRequest() {
    toDrop.incrementAndGet();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        connections.incrementAndGet();
        open.add(socket);
        idle.add(socket);
        Thread serving = new Thread(() -> serve(socket), "idle-closing-connection");
        serving.setDaemon(true);
        serving.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      while (true) {
        socket.setSoTimeout(keepAliveMillis);
        int first;
        try {
          first = in.read();
        } catch (SocketTimeoutException timeout) {
          if (idle.remove(socket)) {
            idleCloses.incrementAndGet();
          }
          return; // the keep-alive timeout: close, without a word, as real servers do
        }
        if (first < 0 || !idle.remove(socket)) {
          return; // the client closed it, or closeIdleConnections did
        }
        socket.setSoTimeout(5000);
        int length = contentLength(head(first, in));
        in.readNBytes(length);
        requests.incrementAndGet();
        if (toDrop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          return; // the request arrived; the connection closes without an answer
        }
        byte[] body = ANSWER.getBytes(StandardCharsets.UTF_8);
        // idle again before the client can have the answer, so a close called once it has it
        // finds this connection
        idle.add(socket);
        out.write(
            ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
      }
    } catch (IOException broken) {
      // the client went away, or the connection was closed here
    } finally {
      open.remove(socket);
      idle.remove(socket);
    }
  }

  private static String head(int first, InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    head.write(first);
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the request head ended early");
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        return Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    return 0;
  }

  /** Stops listening and closes every connection. */
  @Override
  public void close() throws IOException {
    server.close();
    open.forEach(IdleClosingUpstream::closeQuietly);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException alreadyBroken) {
      // nothing left to close
    }
  }
}
