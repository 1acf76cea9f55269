package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jetty 12.1 can keep using a request buffer after giving it back to its pool, on its
 * malformed-request path (docs/SECURITY.md): with a pool, that buffer is by then another
 * connection's, and one client's request bytes can end up in another client's response. Pouch's
 * connector pools no buffer, so no two connections are ever handed the same one.
 */
class ConnectionBufferIsolationTest {
  @TempDir Path data;

  @Test
  void noTwoConnectionsAreEverHandedTheSameRequestBuffer() throws IOException {
    try (TestPouch pouch = TestPouch.start(data);
        RequestBufferRecorder recorder = RequestBufferRecorder.install()) {
      for (int i = 0; i < 40; i++) {
        String answer =
            exchange(
                pouch.server().port(),
                i % 2 == 0
                    ? "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    : "GARBAGE\r\n\r\n");
        assertThat(answer).startsWith(i % 2 == 0 ? "HTTP/1.1 200 " : "HTTP/1.1 400 ");
      }

      assertThat(recorder.acquisitions())
          .as("Jetty's 'request buffer acquired' DEBUG line is still there to be recorded")
          .isGreaterThanOrEqualTo(40);
      assertThat(recorder.sharedBuffers()).isEmpty();
    }
  }

  @Test
  void theOnlyConnectorPoolsNoBufferAndHasTheLargeAcceptQueue() {
    try (TestPouch pouch = TestPouch.start(data)) {
      Connector[] connectors = pouch.server().connectors();

      assertThat(connectors).hasSize(1);
      ServerConnector connector = (ServerConnector) connectors[0];
      assertThat(connector.getByteBufferPool()).isInstanceOf(ByteBufferPool.NonPooling.class);
      assertThat(connector.getAcceptQueueSize()).isEqualTo(4096);
      assertThat(connector.getLocalPort()).isEqualTo(pouch.server().port());
    }
  }

  /**
   * The end-to-end check, too slow and too load-dependent for every build: run with {@code
   * -Dpouch.leakRepro=true} (and {@code -Dpouch.leakRepro.seconds=N}, default 20). Several threads
   * send malformed and valid requests, each marked, on fresh connections while Jetty's bad-message
   * thread is paused at random (BadMessageRaceWidener); no answer may be anything but an HTTP
   * response free of any request's marker. On Javalin's default (pooled) connector it saw 2 answers
   * damaged by another connection in about 250,000 exchanges: a regression shows rarely here, which
   * is why the deterministic test above exists. {@code -Dpouch.leakRepro.kinds=…} limits the kinds
   * of request sent (BadHttpLeakRepro names them).
   */
  @Test
  @EnabledIfSystemProperty(named = "pouch.leakRepro", matches = "true")
  void underConcurrentMalformedRequestsNoAnswerCarriesAnotherRequestsBytes() throws Exception {
    long seconds = Long.getLong("pouch.leakRepro.seconds", 20);
    try (TestPouch pouch = TestPouch.start(data);
        BadMessageRaceWidener widener = BadMessageRaceWidener.install(-1_000_000)) {
      BadHttpLeakRepro.Result result =
          new BadHttpLeakRepro(pouch.server().port(), TestPouch.ADMIN_TOKEN)
              .run(new BadHttpLeakRepro.Settings(seconds * 1000, 12, 0));

      assertThat(result.leaks())
          .as("%d exchanges %s; %s", result.exchanges(), result.outcomes(), widener.summary())
          .isEmpty();
      assertThat(result.exchanges()).isGreaterThan(seconds * 100);
    }
  }

  /** Sends {@code request} on a fresh connection, half-closes, reads the answer to its end. */
  private static String exchange(int port, String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.shutdownOutput();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      in.transferTo(received);
      return received.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
