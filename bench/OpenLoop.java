import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load client of bench/run.sh (single file, JDK 17+, no dependencies): it POSTs one body
 * to a URL at a fixed rate, request i at {@code start + i / rate}, whatever the answers do, and
 * times each request from its <em>scheduled</em> start. A target that stalls therefore cannot slow
 * the sender and hide its own tail (no coordinated omission): requests pile up on more connections
 * and each one counts the stall it waited through.
 *
 * <pre>
 * java OpenLoop.java --url http://127.0.0.1:PORT/v1/chat/completions --body-file body.json \
 *     [--header "Name: value"]... [--rate 1000] [--warmup 2] [--duration 10] [--timeout 30]
 * </pre>
 *
 * Two threads, no blocking call between them. The sender keeps the schedule: at a request's time
 * it takes an idle keep-alive connection (HTTP/1.1) and writes the request on it at once, or opens
 * a new non-blocking one when all are busy. One selector thread reads every answer (Content-Length,
 * chunked or until close) and returns its connection to the idle ones. The JDK's HTTP client did
 * the same at ~1 ms of CPU per request, too much next to the target on a small machine.
 *
 * <p>The send lag is how late a request's bytes were written after its scheduled start (for a new
 * connection: once it connected). It shows whether the generator kept up; measure it against the
 * upstream directly, where it is the client's alone.
 *
 * <p>Prints one line: {@code OPENLOOP_RESULT rate=… sent=… completed=… errors=… completed_all=…
 * duration_us=… p50_us=… p90_us=… p99_us=… p999_us=… max_us=… send_lag_p50_us=…
 * send_lag_p99_us=… send_lag_max_us=… connections=…}. Only requests scheduled after the warm-up
 * are in the figures ({@code sent}); each of them is waited for, up to {@code --timeout} seconds,
 * so a slow answer at the end still counts. {@code completed_all} counts every successful request
 * of the process, to divide a server's CPU time by. A request counts as an error when the status
 * is not 2xx, it times out or its connection fails; a second line, {@code OPENLOOP_ERRORS}, counts
 * the errors by kind.
 */
public final class OpenLoop {
  public static void main(String[] args) throws Exception {
    String url = null;
    Path bodyFile = null;
    List<String> headers = new ArrayList<>();
    double rate = 1000;
    double warmup = 2;
    double duration = 10;
    int timeoutSeconds = 30;
    for (int i = 0; i < args.length; i += 2) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--url" -> url = value;
        case "--body-file" -> bodyFile = Path.of(value);
        case "--header" -> headers.add(value);
        case "--rate" -> rate = Double.parseDouble(value);
        case "--warmup" -> warmup = Double.parseDouble(value);
        case "--duration" -> duration = Double.parseDouble(value);
        case "--timeout" -> timeoutSeconds = Integer.parseInt(value);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (url == null || bodyFile == null || rate <= 0) {
      throw new IllegalArgumentException("--url, --body-file and a positive --rate are required");
    }
    URI uri = URI.create(url);
    if (!"127.0.0.1".equals(uri.getHost())) {
      throw new IllegalArgumentException("only 127.0.0.1 targets are allowed: " + url);
    }
    byte[] body = Files.readAllBytes(bodyFile);
    StringBuilder head = new StringBuilder();
    head.append("POST ").append(uri.getRawPath()).append(" HTTP/1.1\r\n");
    head.append("Host: 127.0.0.1:").append(uri.getPort()).append("\r\n");
    head.append("Content-Type: application/json\r\n");
    head.append("Accept: application/json\r\n");
    head.append("Content-Length: ").append(body.length).append("\r\n");
    for (String header : headers) {
      head.append(header).append("\r\n");
    }
    head.append("\r\n");
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    request.write(body);

    int total = (int) Math.ceil(rate * (warmup + duration));
    int firstMeasured = (int) Math.ceil(rate * warmup);
    long timeoutNanos = TimeUnit.SECONDS.toNanos(timeoutSeconds);
    // Whatever happens, this process ends: a stuck run cannot outlive the timeout by much.
    long watchdogMillis = (long) ((warmup + duration + timeoutSeconds + 15) * 1000);
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(watchdogMillis);
                System.err.println("OpenLoop: watchdog expired, exiting");
                System.exit(3);
              } catch (InterruptedException done) {
                // normal end
              }
            });
    watchdog.setDaemon(true);
    watchdog.start();

    double periodNanos = 1e9 / rate;
    long start = System.nanoTime() + 50_000_000; // a moment to set up before the first request
    Run run =
        new Run(
            new InetSocketAddress("127.0.0.1", uri.getPort()),
            ByteBuffer.wrap(request.toByteArray()).asReadOnlyBuffer(),
            total,
            start,
            periodNanos,
            timeoutNanos);
    Thread reader = new Thread(run::readLoop, "openloop-selector");
    reader.setDaemon(true);
    reader.start();
    for (int i = 0; i < total; i++) {
      long at = run.scheduledAt(i);
      for (long wait = at - System.nanoTime(); wait > 0; wait = at - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
      run.send(i);
    }
    // Every request is awaited: the selector thread ends those past the timeout.
    if (!run.finished.await(timeoutSeconds + 10L, TimeUnit.SECONDS)) {
      System.err.println("OpenLoop: requests still unanswered past the timeout count as errors");
    }

    long measureFrom = run.scheduledAt(firstMeasured);
    long measureTo = run.scheduledAt(total);
    long[] latency = new long[total - firstMeasured];
    long[] lag = new long[total - firstMeasured];
    int measured = 0;
    int completed = 0;
    long errors = 0;
    long completedAll = 0;
    for (int i = 0; i < total; i++) {
      boolean ok = run.outcome[i] == Run.OK;
      if (ok) {
        completedAll++;
      }
      if (i < firstMeasured) {
        continue;
      }
      long sentAt = run.sentAt[i] != 0 ? run.sentAt[i] : run.scheduledAt(i);
      lag[measured++] = Math.max(0, sentAt - run.scheduledAt(i));
      if (ok) {
        latency[completed++] = run.doneAt[i] - run.scheduledAt(i);
      } else {
        errors++;
        if (run.outcome[i] == Run.PENDING) {
          run.errorKinds.merge("unanswered", 1L, Long::sum);
        }
      }
    }
    long[] l = Arrays.copyOf(latency, completed);
    Arrays.sort(l);
    long[] g = Arrays.copyOf(lag, measured);
    Arrays.sort(g);
    System.out.printf(
        Locale.ROOT,
        "OPENLOOP_RESULT rate=%s sent=%d completed=%d errors=%d completed_all=%d duration_us=%d"
            + " p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d send_lag_p50_us=%d"
            + " send_lag_p99_us=%d send_lag_max_us=%d connections=%d%n",
        rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate),
        measured,
        completed,
        errors,
        completedAll,
        Math.max(1, measureTo - measureFrom) / 1000,
        percentile(l, 50),
        percentile(l, 90),
        percentile(l, 99),
        percentile(l, 99.9),
        percentile(l, 100),
        percentile(g, 50),
        percentile(g, 99),
        percentile(g, 100),
        run.opened.get());
    StringBuilder errorLine = new StringBuilder("OPENLOOP_ERRORS");
    new TreeMap<>(run.errorKinds)
        .forEach((kind, n) -> errorLine.append(' ').append(n).append('×').append(kind));
    System.out.println(errorLine);
    watchdog.interrupt();
  }

  /** Nearest-rank percentile in microseconds; 0 when there are no samples. */
  private static long percentile(long[] sortedNanos, double p) {
    if (sortedNanos.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100.0 * sortedNanos.length);
    return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1000;
  }

  /**
   * The run's connections and what happened to each request (by index): written by the sender
   * (sentAt of a request on an idle connection) and the selector thread (the rest); read once
   * {@link #finished} is open.
   */
  private static final class Run {
    static final byte PENDING = 0;
    static final byte OK = 1;
    static final byte FAILED = 2;

    final InetSocketAddress address;
    final ByteBuffer request;
    final long start;
    final double periodNanos;
    final long timeoutNanos;
    final long[] sentAt;
    final long[] doneAt;
    final byte[] outcome;
    final CountDownLatch finished;
    final Map<String, Long> errorKinds = new ConcurrentHashMap<>();
    final Selector selector;
    final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    final ConcurrentLinkedQueue<Connection> fresh = new ConcurrentLinkedQueue<>();
    final List<Connection> all = new ArrayList<>(); // the selector thread's
    final AtomicInteger opened = new AtomicInteger();
    final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);

    Run(
        InetSocketAddress address,
        ByteBuffer request,
        int total,
        long start,
        double periodNanos,
        long timeoutNanos)
        throws IOException {
      this.address = address;
      this.request = request;
      this.start = start;
      this.periodNanos = periodNanos;
      this.timeoutNanos = timeoutNanos;
      this.sentAt = new long[total];
      this.doneAt = new long[total];
      this.outcome = new byte[total];
      this.finished = new CountDownLatch(total);
      this.selector = Selector.open();
    }

    long scheduledAt(int index) {
      return start + (long) (index * periodNanos);
    }

    /** The sender: the request goes out now on an idle connection, or on a new one once open. */
    void send(int index) {
      Connection connection = idle.pollFirst();
      if (connection != null) {
        connection.begin(index);
        try {
          connection.channel.write(connection.out);
          sentAt[index] = System.nanoTime();
          if (connection.out.hasRemaining()) {
            connection.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            selector.wakeup();
          }
          return;
        } catch (IOException | RuntimeException stale) {
          // a connection the target closed while idle: the request goes on a new one
          connection.index = -1;
          connection.closeQuietly();
        }
      }
      open(index);
    }

    /** Opens a connection for the request; the selector thread connects it and writes it. */
    void open(int index) {
      try {
        SocketChannel channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        Connection created = new Connection(channel);
        created.begin(index);
        opened.incrementAndGet();
        channel.connect(address);
        fresh.add(created);
        selector.wakeup();
      } catch (IOException failed) {
        fail(index, failed);
      }
    }

    /** The selector thread: connects, writes what the sender could not, reads every answer. */
    void readLoop() {
      long nextTimeoutCheck = System.nanoTime();
      while (true) {
        try {
          selector.select(100);
          for (Connection connection; (connection = fresh.poll()) != null; ) {
            all.add(connection);
            connection.key =
                connection.channel.register(selector, SelectionKey.OP_CONNECT, connection);
          }
          for (SelectionKey key : selector.selectedKeys()) {
            Connection connection = (Connection) key.attachment();
            try {
              if (!key.isValid()) {
                continue;
              }
              if (key.isConnectable()) {
                connection.channel.finishConnect();
                connection.channel.write(connection.out);
                sentAt[connection.index] = System.nanoTime();
                key.interestOps(
                    SelectionKey.OP_READ
                        | (connection.out.hasRemaining() ? SelectionKey.OP_WRITE : 0));
                continue;
              }
              if (key.isWritable()) {
                connection.channel.write(connection.out);
                if (!connection.out.hasRemaining()) {
                  key.interestOps(SelectionKey.OP_READ);
                }
              }
              if (key.isReadable()) {
                read(connection);
              }
            } catch (IOException | RuntimeException failed) {
              connectionFailed(connection, failed);
            }
          }
          selector.selectedKeys().clear();
          long now = System.nanoTime();
          if (now >= nextTimeoutCheck) {
            nextTimeoutCheck = now + 50_000_000;
            expire(now);
          }
        } catch (IOException | RuntimeException broken) {
          System.err.println("OpenLoop: selector failed: " + broken);
          return;
        }
      }
    }

    private void read(Connection connection) throws IOException {
      readBuffer.clear();
      int n;
      IOException reset = null;
      try {
        n = connection.channel.read(readBuffer);
      } catch (IOException failed) { // a reset: as an end, unless the answer had begun
        n = -1;
        reset = failed;
      }
      if (n < 0) {
        int index = connection.index;
        if (index >= 0 && reset == null && connection.parser.untilClose()) {
          complete(connection, true);
        } else if (index >= 0 && connection.uses > 1 && connection.parser.untouched()) {
          // The target closed a kept-alive connection as the request went out on it (as
          // StreamLoad, retry once on a new one): the request keeps its scheduled start.
          connection.index = -1;
          connectionFailed(connection, null);
          open(index);
        } else {
          connectionFailed(
              connection, reset != null ? reset : new IOException("closed by the target"));
        }
        return;
      }
      readBuffer.flip();
      if (connection.index < 0) {
        return; // bytes on an idle connection: nothing to answer
      }
      if (connection.parser.feed(readBuffer)) {
        complete(connection, connection.parser.close);
      }
    }

    private void complete(Connection connection, boolean close) {
      int index = connection.index;
      int status = connection.parser.status;
      connection.index = -1;
      if (status / 100 == 2) {
        settle(index, OK, null);
      } else {
        settle(index, FAILED, "status:" + status);
      }
      if (close) {
        connection.closeQuietly();
      } else {
        idle.addFirst(connection);
      }
    }

    /** Closes the connection; its request in flight, if any, fails with {@code failure}. */
    private void connectionFailed(Connection connection, Exception failure) {
      idle.remove(connection);
      int index = connection.index;
      connection.index = -1;
      connection.closeQuietly();
      if (index >= 0 && failure != null) {
        fail(index, failure);
      }
    }

    private void expire(long now) {
      for (var it = all.iterator(); it.hasNext(); ) {
        Connection connection = it.next();
        int index = connection.index;
        if (connection.closed) {
          it.remove();
          if (index >= 0) { // sent by the sender on a connection closed under it
            fail(index, new IOException("closed by the target"));
          }
        } else if (index >= 0 && now - scheduledAt(index) > timeoutNanos) {
          connection.closeQuietly();
          it.remove();
          fail(index, new IOException("timeout"));
        }
      }
    }

    private void fail(int index, Exception failure) {
      String kind = failure.getClass().getSimpleName() + ":" + failure.getMessage();
      settle(index, FAILED, kind.replace(' ', '_'));
    }

    /** Records a request's end once (the first of an answer, a failure or its timeout). */
    private synchronized void settle(int index, byte result, String errorKind) {
      if (outcome[index] != PENDING) {
        return;
      }
      doneAt[index] = System.nanoTime();
      outcome[index] = result;
      if (errorKind != null) {
        errorKinds.merge(errorKind, 1L, Long::sum);
      }
      finished.countDown();
    }

    /** One keep-alive connection; {@code index} is its request in flight, -1 when idle. */
    final class Connection {
      final SocketChannel channel;
      final ResponseParser parser = new ResponseParser();
      volatile int index = -1;
      volatile SelectionKey key;
      int uses; // requests begun on this connection
      ByteBuffer out;
      volatile boolean closed;

      Connection(SocketChannel channel) {
        this.channel = channel;
      }

      void begin(int index) {
        out = request.duplicate();
        uses++;
        parser.reset();
        this.index = index; // last: publishes the fields above to the selector thread
      }

      void closeQuietly() {
        closed = true;
        try {
          channel.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
  }

  /**
   * An HTTP/1.1 response read as it arrives: status line and headers, then a body by
   * Content-Length, chunks, or until the connection closes. Only the status is kept.
   */
  private static final class ResponseParser {
    private static final int HEAD = 0;
    private static final int FIXED = 1;
    private static final int CHUNK_SIZE = 2;
    private static final int CHUNK_DATA = 3;
    private static final int CHUNK_END = 4;
    private static final int TRAILERS = 5;
    private static final int TO_CLOSE = 6;

    private final StringBuilder line = new StringBuilder();
    private int state;
    private long remaining;
    private long contentLength;
    private boolean chunked;
    private boolean firstLine;
    int status;
    boolean close;

    void reset() {
      line.setLength(0);
      state = HEAD;
      remaining = 0;
      contentLength = -1;
      chunked = false;
      firstLine = true;
      status = 0;
      close = false;
    }

    boolean untilClose() {
      return state == TO_CLOSE;
    }

    /** True while not a byte of the response has arrived. */
    boolean untouched() {
      return state == HEAD && firstLine && line.length() == 0;
    }

    /** Consumes the bytes; true when the response ended within them. */
    boolean feed(ByteBuffer bytes) throws IOException {
      while (bytes.hasRemaining()) {
        switch (state) {
          case FIXED, CHUNK_DATA -> {
            int take = (int) Math.min(remaining, bytes.remaining());
            bytes.position(bytes.position() + take);
            remaining -= take;
            if (remaining == 0) {
              if (state == FIXED) {
                return true;
              }
              state = CHUNK_END;
            }
          }
          case TO_CLOSE -> bytes.position(bytes.limit());
          default -> {
            String text = nextLine(bytes);
            if (text != null && onLine(text)) {
              return true;
            }
          }
        }
      }
      return false;
    }

    private String nextLine(ByteBuffer bytes) {
      while (bytes.hasRemaining()) {
        byte b = bytes.get();
        if (b == '\n') {
          int length = line.length();
          if (length > 0 && line.charAt(length - 1) == '\r') {
            line.setLength(length - 1);
          }
          String text = line.toString();
          line.setLength(0);
          return text;
        }
        line.append((char) (b & 0xff));
      }
      return null;
    }

    private boolean onLine(String text) throws IOException {
      switch (state) {
        case HEAD -> {
          if (firstLine) {
            firstLine = false;
            String[] parts = text.split(" ", 3);
            status = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return false;
          }
          if (!text.isEmpty()) {
            header(text);
            return false;
          }
          if (status / 100 == 1) { // an interim answer: the real one follows
            reset();
            return false;
          }
          if (chunked) {
            state = CHUNK_SIZE;
          } else if (contentLength >= 0) {
            state = FIXED;
            remaining = contentLength;
            return contentLength == 0;
          } else {
            state = TO_CLOSE;
            close = true;
          }
          return false;
        }
        case CHUNK_SIZE -> {
          int semicolon = text.indexOf(';');
          long size = Long.parseLong((semicolon < 0 ? text : text.substring(0, semicolon)).trim(), 16);
          if (size == 0) {
            state = TRAILERS;
          } else {
            state = CHUNK_DATA;
            remaining = size;
          }
          return false;
        }
        case CHUNK_END -> {
          if (!text.isEmpty()) {
            throw new IOException("no CRLF after a chunk");
          }
          state = CHUNK_SIZE;
          return false;
        }
        case TRAILERS -> {
          return text.isEmpty();
        }
        default -> throw new IllegalStateException("state " + state);
      }
    }

    private void header(String text) {
      int colon = text.indexOf(':');
      if (colon < 0) {
        return;
      }
      String name = text.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = text.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
      switch (name) {
        case "content-length" -> contentLength = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.contains("chunked");
        case "connection" -> close = value.contains("close");
        default -> {}
      }
    }
  }
}
