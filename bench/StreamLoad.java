import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Streaming load client of bench/run.sh (single file, JDK 17+, no dependencies): N connections each
 * POST a streaming chat request over and over (HTTP/1.1 keep-alive, raw sockets) for a bounded
 * time, and it reports percentiles of the time to first byte of the response body (the first SSE
 * event) and of the total time (until the body's end), measured from the request's first byte.
 *
 * <pre>
 * java StreamLoad.java --url http://127.0.0.1:PORT/v1/chat/completions --body-file body.json \
 *     [--header "Name: value"]... [--connections 50] [--warmup 3] [--duration 10] [--timeout 30]
 *     [--once] [--virtual-threads] [--ramp 0]
 * </pre>
 *
 * With {@code --once} every connection sends exactly one request: N connections then hold N streams
 * open at once (bench/open-streams.sh). With {@code --virtual-threads} (JDK 21+) each connection
 * runs on a virtual thread, so thousands of them do not cost the load client thousands of platform
 * threads. {@code --ramp S} spreads the connections' first requests evenly over S seconds instead
 * of starting them all at the same instant.
 *
 * Prints one line: {@code STREAM_RESULT streams=… completed_all=… duration_us=… ttfb_p50_us=… …}.
 * Streams started during the warm-up are not in the percentiles ({@code completed_all} counts every
 * stream completed by the process, to divide a server's CPU time by). A stream counts as an error when the status is not 200, the
 * body does not end with {@code [DONE]}, or the connection fails; a second line, {@code
 * STREAM_ERRORS}, counts the errors by kind (status, exception).
 */
public final class StreamLoad {
  private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

  public static void main(String[] args) throws Exception {
    String url = null;
    Path bodyFile = null;
    List<String> headers = new ArrayList<>();
    int connections = 50;
    boolean once = false;
    boolean virtualThreads = false;
    double warmup = 3;
    double duration = 10;
    int timeoutSeconds = 30;
    double rampSeconds = 0;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--url" -> url = value;
        case "--body-file" -> bodyFile = Path.of(value);
        case "--header" -> headers.add(value);
        case "--connections" -> connections = Integer.parseInt(value);
        case "--once" -> {
          once = true;
          i--; // a flag: no value follows
        }
        case "--virtual-threads" -> {
          virtualThreads = true;
          i--;
        }
        case "--warmup" -> warmup = Double.parseDouble(value);
        case "--duration" -> duration = Double.parseDouble(value);
        case "--timeout" -> timeoutSeconds = Integer.parseInt(value);
        case "--ramp" -> rampSeconds = Double.parseDouble(value);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
      i++;
    }
    if (url == null || bodyFile == null) {
      throw new IllegalArgumentException("--url and --body-file are required");
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
    head.append("Accept: text/event-stream\r\n");
    head.append("Content-Length: ").append(body.length).append("\r\n");
    for (String header : headers) {
      head.append(header).append("\r\n");
    }
    head.append("\r\n");
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    request.write(body);

    long start = System.nanoTime();
    long measureFrom = start + (long) (warmup * 1e9);
    long deadline = measureFrom + (long) (duration * 1e9);
    // Whatever happens, this process ends: a stuck read cannot outlive the timeout by much.
    long watchdogMillis = (long) ((warmup + duration + timeoutSeconds + 10) * 1000);
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(watchdogMillis);
                System.err.println("StreamLoad: watchdog expired, exiting");
                System.exit(3);
              } catch (InterruptedException done) {
                // normal end
              }
            });
    watchdog.setDaemon(true);
    watchdog.start();

    Worker[] workers = new Worker[connections];
    Thread[] threads = new Thread[connections];
    for (int i = 0; i < connections; i++) {
      workers[i] =
          new Worker(
              uri.getPort(),
              request.toByteArray(),
              measureFrom,
              deadline,
              timeoutSeconds * 1000,
              once,
              start + (long) (rampSeconds * 1e9 * i / connections));
      threads[i] = newThread(workers[i], "stream-" + i, virtualThreads);
      threads[i].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    long measuredNanos = Math.max(1, Math.min(System.nanoTime(), deadline) - measureFrom);

    LongList ttfb = new LongList();
    LongList total = new LongList();
    long errors = 0;
    long completedAll = 0;
    long bytes = 0;
    for (Worker worker : workers) {
      ttfb.addAll(worker.ttfb);
      total.addAll(worker.total);
      errors += worker.errors.get();
      completedAll += worker.completedAll;
      bytes += worker.bytes;
    }
    long[] t = ttfb.sorted();
    long[] d = total.sorted();
    System.out.printf(
        Locale.ROOT,
        "STREAM_RESULT streams=%d completed_all=%d duration_us=%d errors=%d bytes=%d ttfb_p50_us=%d ttfb_p90_us=%d"
            + " ttfb_p99_us=%d ttfb_max_us=%d total_p50_us=%d total_p90_us=%d total_p99_us=%d"
            + " total_max_us=%d%n",
        t.length,
        completedAll,
        measuredNanos / 1000,
        errors,
        bytes,
        percentile(t, 50),
        percentile(t, 90),
        percentile(t, 99),
        percentile(t, 100),
        percentile(d, 50),
        percentile(d, 90),
        percentile(d, 99),
        percentile(d, 100));
    Map<String, Long> kinds = new TreeMap<>();
    for (Worker worker : workers) {
      worker.errorKinds.forEach((kind, n) -> kinds.merge(kind, n, Long::sum));
    }
    StringBuilder errorLine = new StringBuilder("STREAM_ERRORS");
    kinds.forEach((kind, n) -> errorLine.append(' ').append(n).append('×').append(kind));
    System.out.println(errorLine);
    watchdog.interrupt();
  }

  /** A platform thread, or a virtual one (JDK 21+; reflection keeps this file compiling on 17). */
  private static Thread newThread(Runnable task, String name, boolean virtual)
      throws ReflectiveOperationException {
    if (!virtual) {
      return new Thread(task, name);
    }
    Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
    return (Thread)
        Class.forName("java.lang.Thread$Builder")
            .getMethod("unstarted", Runnable.class)
            .invoke(builder, task);
  }

  /** Nearest-rank percentile in microseconds; 0 when there are no samples. */
  private static long percentile(long[] sortedNanos, double p) {
    if (sortedNanos.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100.0 * sortedNanos.length);
    return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1000;
  }

  /** One connection, streaming request after request until the deadline. */
  private static final class Worker implements Runnable {
    final int port;
    final byte[] request;
    final long measureFrom;
    final long deadline;
    final int timeoutMillis;
    final LongList ttfb = new LongList();
    final LongList total = new LongList();
    final AtomicLong errors = new AtomicLong();
    final Map<String, Long> errorKinds = new HashMap<>();
    long completedAll;
    long bytes;
    Socket socket;
    Input in;

    final boolean once;
    final long firstAt; // System.nanoTime() of the first request

    Worker(
        int port,
        byte[] request,
        long measureFrom,
        long deadline,
        int timeoutMillis,
        boolean once,
        long firstAt) {
      this.once = once;
      this.firstAt = firstAt;
      this.port = port;
      this.request = request;
      this.measureFrom = measureFrom;
      this.deadline = deadline;
      this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void run() {
      long wait = firstAt - System.nanoTime();
      if (wait > 0) {
        sleepQuietly(wait / 1_000_000);
      }
      while (System.nanoTime() < deadline) {
        long started = System.nanoTime();
        try {
          Result result = exchange();
          if (result.ok) {
            completedAll++;
          }
          if (started >= measureFrom && result.end <= deadline) {
            if (result.ok) {
              ttfb.add(result.firstByte - result.sent);
              total.add(result.end - result.sent);
            } else {
              errors.incrementAndGet();
              errorKinds.merge("status_or_body:" + result.status, 1L, Long::sum);
            }
          }
        } catch (IOException | RuntimeException failed) {
          close();
          if (started >= measureFrom && System.nanoTime() <= deadline) {
            errors.incrementAndGet();
            String kind = failed.getClass().getSimpleName() + ":" + failed.getMessage();
            errorKinds.merge(kind.replace(' ', '_'), 1L, Long::sum);
          }
          sleepQuietly(10); // a refused connection must not become a busy loop
        }
        if (once) {
          break;
        }
      }
      close();
    }

    private Result exchange() throws IOException {
      boolean reused = socket != null;
      try {
        return attempt();
      } catch (IOException staleConnection) {
        if (!reused) {
          throw staleConnection;
        }
        close(); // the server closed an idle keep-alive connection: retry once on a new one
        return attempt();
      }
    }

    private Result attempt() throws IOException {
      if (socket == null) {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(timeoutMillis);
        socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
        in = new Input(socket.getInputStream());
      }
      OutputStream out = socket.getOutputStream();
      long sent = System.nanoTime();
      out.write(request);
      out.flush();
      String statusLine = in.line();
      if (statusLine == null) {
        throw new IOException("connection closed before the status line");
      }
      String[] parts = statusLine.split(" ", 3);
      int status = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      long contentLength = -1;
      boolean chunked = false;
      boolean close = false;
      String line;
      while ((line = in.line()) != null && !line.isEmpty()) {
        int colon = line.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
        switch (name) {
          case "content-length" -> contentLength = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.contains("chunked");
          case "connection" -> close = value.contains("close");
          default -> {}
        }
      }
      Tail tail = new Tail();
      long firstByte = 0;
      if (chunked) {
        while (true) {
          String sizeLine = in.line();
          if (sizeLine == null) {
            throw new IOException("connection closed inside a chunked body");
          }
          int semicolon = sizeLine.indexOf(';');
          long size =
              Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
          if (size == 0) {
            while ((line = in.line()) != null && !line.isEmpty()) {
              // trailers
            }
            break;
          }
          long t = in.readInto(tail, size);
          if (firstByte == 0) {
            firstByte = t;
          }
          in.line(); // CRLF after the chunk
        }
      } else if (contentLength >= 0) {
        if (contentLength > 0) {
          firstByte = in.readInto(tail, contentLength);
        }
      } else {
        firstByte = in.readToEnd(tail);
        close = true;
      }
      long end = System.nanoTime();
      bytes += tail.count;
      if (close) {
        close();
      }
      return new Result(
          sent, firstByte == 0 ? end : firstByte, end, status == 200 && tail.endsWithDone(), status);
    }

    private void close() {
      if (socket != null) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
      socket = null;
      in = null;
    }
  }

  private record Result(long sent, long firstByte, long end, boolean ok, int status) {}

  /** The last bytes of a body, to check that a stream ended with {@code [DONE]}. */
  private static final class Tail {
    final byte[] last = new byte[64];
    long count;

    void add(byte[] buffer, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        last[(int) (count++ % last.length)] = buffer[i];
      }
    }

    boolean endsWithDone() {
      int n = (int) Math.min(count, last.length);
      byte[] ordered = new byte[n];
      for (int i = 0; i < n; i++) {
        ordered[i] = last[(int) ((count - n + i) % last.length)];
      }
      String text = new String(ordered, StandardCharsets.US_ASCII).trim();
      return text.endsWith(new String(DONE, StandardCharsets.US_ASCII));
    }
  }

  /**
   * A buffered input that remembers when each read returned, so the time a byte arrived is known:
   * the time of the read that brought it in.
   */
  private static final class Input {
    final InputStream raw;
    final byte[] buffer = new byte[16384];
    int position;
    int limit;
    long filledAt;

    Input(InputStream raw) {
      this.raw = raw;
    }

    boolean fill() throws IOException {
      int n = raw.read(buffer, 0, buffer.length);
      filledAt = System.nanoTime();
      if (n <= 0) {
        return false;
      }
      position = 0;
      limit = n;
      return true;
    }

    /** A CRLF- or LF-terminated line without its terminator, or null at the end. */
    String line() throws IOException {
      StringBuilder line = new StringBuilder();
      while (true) {
        if (position == limit && !fill()) {
          return line.length() == 0 ? null : line.toString();
        }
        byte b = buffer[position++];
        if (b == '\n') {
          int length = line.length();
          if (length > 0 && line.charAt(length - 1) == '\r') {
            line.setLength(length - 1);
          }
          return line.toString();
        }
        line.append((char) (b & 0xff));
      }
    }

    /** Reads exactly {@code n} bytes into {@code tail}; returns when the first of them arrived. */
    long readInto(Tail tail, long n) throws IOException {
      long first = 0;
      while (n > 0) {
        if (position == limit && !fill()) {
          throw new IOException("connection closed inside a body");
        }
        if (first == 0) {
          first = filledAt;
        }
        int take = (int) Math.min(n, limit - position);
        tail.add(buffer, position, take);
        position += take;
        n -= take;
      }
      return first;
    }

    long readToEnd(Tail tail) throws IOException {
      long first = 0;
      while (position < limit || fill()) {
        if (first == 0) {
          first = filledAt;
        }
        tail.add(buffer, position, limit - position);
        position = limit;
      }
      return first;
    }
  }

  /** A growable list of longs. */
  private static final class LongList {
    long[] values = new long[1024];
    int size;

    void add(long value) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = value;
    }

    void addAll(LongList other) {
      for (int i = 0; i < other.size; i++) {
        add(other.values[i]);
      }
    }

    long[] sorted() {
      long[] copy = Arrays.copyOf(values, size);
      Arrays.sort(copy);
      return copy;
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
