package dev.pouch.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Looks for one connection's request bytes in another connection's response: sends the malformed
 * HTTP of {@code HostileInputTest} (and a few well-formed requests) from several threads, each on a
 * fresh connection and each carrying its own marker ({@code zq0000042.}) in every field it can, and
 * checks that every answer is an HTTP response with no marker in it (Pouch never echoes request
 * content, so any marker is a leak). Not a test: a tool, run by {@code
 * ConnectionBufferIsolationTest} when {@code -Dpouch.leakRepro=true}, or as a main (see
 * docs/SECURITY.md).
 */
final class BadHttpLeakRepro {
  private static final Pattern MARKER = Pattern.compile("zq(\\d{7})\\.");

  /** How long to run, with how many client threads and CPU-burning threads. */
  record Settings(long millis, int clients, int spinners) {}

  /** One request as sent: its id (in its marker), its case and its bytes. */
  record Sent(int id, String kind, byte[] bytes) {}

  /** What a run saw. */
  record Result(long exchanges, Map<String, Long> outcomes, List<String> leaks) {}

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(BadHttpLeakRepro.class);
  private static volatile long sink;

  private final int port;
  private final String adminToken;
  private final AtomicInteger ids = new AtomicInteger();

  BadHttpLeakRepro(int port, String adminToken) {
    this.port = port;
    this.adminToken = adminToken;
  }

  Result run(Settings settings) throws InterruptedException {
    long end = System.nanoTime() + settings.millis() * 1_000_000;
    Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    List<String> leaks = Collections.synchronizedList(new ArrayList<>());
    LongAdder exchanges = new LongAdder();
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < settings.spinners(); s++) {
      threads.add(
          new Thread(
              () -> {
                while (System.nanoTime() < end) {
                  sink += System.nanoTime() % 7; // burn CPU to widen races
                }
              },
              "spinner-" + s));
    }
    for (int c = 0; c < settings.clients(); c++) {
      threads.add(
          new Thread(
              () -> {
                while (System.nanoTime() < end) {
                  Sent sent = next();
                  String outcome = exchangeAndCheck(sent, leaks);
                  outcomes
                      .computeIfAbsent(sent.kind() + " " + outcome, k -> new LongAdder())
                      .increment();
                  exchanges.increment();
                }
              },
              "client-" + c));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    Map<String, Long> counts = new TreeMap<>();
    outcomes.forEach((k, v) -> counts.put(k, v.sum()));
    return new Result(exchanges.sum(), counts, List.copyOf(leaks));
  }

  private Sent next() {
    int id = ids.incrementAndGet();
    String tag = String.format("zq%07d.", id);
    String[] kinds = {
      "garbage",
      "http09",
      "http99",
      "cl-abc",
      "cl-negative",
      "cl-twice",
      "chunk-zz",
      "cl-short",
      "bad-header-name",
      "empty-header-name",
      "uri-20000",
      "absolute-uri",
      "no-host",
      "header-9000+",
      "headers-many",
      "valid-404",
      "valid-bad-json",
    };
    String only = System.getProperty("pouch.leakRepro.kinds"); // e.g. uri-20000,valid-404
    if (only != null) {
      kinds = only.split(",");
    }
    String kind = kinds[ThreadLocalRandom.current().nextInt(kinds.length)];
    String request;
    switch (kind) {
      case "garbage":
        request = "GARBAGE" + tag + "\r\n\r\n";
        break;
      case "http09":
        request = "GET /api/keys/" + tag + "\r\n\r\n";
        break;
      case "http99":
        request = "GET /api/keys/" + tag + " HTTP/9.9\r\nHost: " + tag + "\r\n\r\n";
        break;
      case "cl-abc":
        request = post("/v1/chat/completions", tag, "Content-Length: abc\r\n", "{\"" + tag + "\"}");
        break;
      case "cl-negative":
        request = post("/v1/chat/completions", tag, "Content-Length: -5\r\n", "{\"" + tag + "\"}");
        break;
      case "cl-twice":
        request =
            post(
                "/v1/chat/completions",
                tag,
                "Content-Length: 2\r\nContent-Length: 3\r\n",
                "{\"" + tag + "\"}");
        break;
      case "chunk-zz":
        request =
            post(
                "/api/keys",
                tag,
                "Transfer-Encoding: chunked\r\n",
                "zz\r\n{\"" + tag + "\"}\r\n0\r\n\r\n");
        break;
      case "cl-short":
        request =
            post(
                "/api/keys",
                tag,
                "Authorization: Bearer " + adminToken + "\r\nContent-Length: 500\r\n",
                "{\"name\":\"" + tag);
        break;
      case "bad-header-name":
        request =
            "GET /api/keys HTTP/1.1\r\nHost: x\r\nBad Header "
                + tag
                + ": 1\r\n"
                + "Connection: close\r\n\r\n";
        break;
      case "empty-header-name":
        request = "GET /api/keys HTTP/1.1\r\nHost: x\r\n: " + tag + "\r\nConnection: close\r\n\r\n";
        break;
      case "uri-20000":
        request =
            "GET /" + repeat(tag, 20_000) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        break;
      case "absolute-uri":
        request =
            "GET http://evil.example/api/keys/"
                + tag
                + " HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\n\r\n";
        break;
      case "no-host":
        request = "GET /api/keys/" + tag + " HTTP/1.1\r\nConnection: close\r\n\r\n";
        break;
      case "header-9000+":
        request =
            "GET /api/keys HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: "
                + repeat(tag, 9000 + ThreadLocalRandom.current().nextInt(60_000))
                + "\r\n\r\n";
        break;
      case "headers-many":
        StringBuilder many = new StringBuilder("GET /api/keys HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0, n = 200 + ThreadLocalRandom.current().nextInt(2000); i < n; i++) {
          many.append("X-H").append(i).append(": ").append(tag).append(tag).append("\r\n");
        }
        request = many.append("Connection: close\r\n\r\n").toString();
        break;
      case "valid-404":
        request =
            "GET /api/keys/key_does_not_exist HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer "
                + adminToken
                + "\r\nX-Tag: "
                + tag
                + "\r\n\r\n";
        break;
      default: // valid-bad-json
        request =
            post(
                "/api/keys",
                tag,
                "Authorization: Bearer "
                    + adminToken
                    + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: "
                    + (tag.length() + 4)
                    + "\r\n",
                "{\"" + tag + "\"");
        break;
    }
    return new Sent(id, kind, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static String post(String path, String tag, String headers, String body) {
    return "POST "
        + path
        + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Tag: "
        + tag
        + "\r\n"
        + headers
        + "\r\n"
        + body;
  }

  private static String repeat(String tag, int length) {
    StringBuilder out = new StringBuilder(length + tag.length());
    while (out.length() < length) {
      out.append(tag);
    }
    return out.toString();
  }

  /** Exchanges as HostileInputTest does (write all, half-close, read to the end); a verdict. */
  private String exchangeAndCheck(Sent sent, List<String> leaks) {
    byte[] raw;
    boolean reset = false;
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress("127.0.0.2", 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(sent.bytes());
        out.flush();
        socket.shutdownOutput();
      } catch (IOException answeredEarly) {
        // refused (413, 431, 414) and closed before reading everything: read the answer
      }
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      try {
        int read;
        while ((read = in.read(buffer)) != -1) {
          received.write(buffer, 0, read);
        }
      } catch (IOException e) {
        reset = true;
      }
      raw = received.toByteArray();
    } catch (IOException e) {
      return "io-error " + e.getClass().getSimpleName();
    }
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    Matcher marker = MARKER.matcher(text);
    if (marker.find()) {
      int other = Integer.parseInt(marker.group(1));
      String report =
          "LEAK on request "
              + sent.id()
              + " ("
              + sent.kind()
              + "): "
              + raw.length
              + " bytes received, first marker is of request "
              + other
              + (other == sent.id() ? " (its own)" : " (another)")
              + " at offset "
              + marker.start()
              + "\n  received: "
              + describe(raw);
      leaks.add(report);
      log.warn(report);
      return "LEAK";
    }
    if (raw.length == 0) {
      return reset ? "reset-empty" : "empty";
    }
    if (!text.startsWith("HTTP/1.1 ") || !text.contains("\r\n\r\n")) {
      String report =
          "NOT-HTTP on request " + sent.id() + " (" + sent.kind() + "): " + describe(raw);
      leaks.add(report);
      log.warn(report);
      return "NOT-HTTP";
    }
    return text.substring(9, 12) + (reset ? " +reset" : "");
  }

  /** A prefix of the bytes as ASCII (non-printables as dots) and hex. */
  static String describe(byte[] raw) {
    int n = Math.min(raw.length, 160);
    StringBuilder ascii = new StringBuilder();
    StringBuilder hex = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int b = raw[i] & 0xff;
      ascii.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
      hex.append(String.format("%02x", b));
    }
    return raw.length + " bytes; ascii: " + ascii + "\n  hex: " + hex;
  }

  /**
   * {@code main [seconds=20] [clients=8] [spinners=0] [pauseMicros=0]}: starts a Pouch as the tests
   * do and runs. {@code pauseMicros} is BadMessageRaceWidener's: below 0 a random pause of up to
   * that many µs, above 0 a hold until the read loop is re-entered, 0 only counts.
   */
  public static void main(String[] args) throws Exception {
    long seconds = args.length > 0 ? Long.parseLong(args[0]) : 20;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int spinners = args.length > 2 ? Integer.parseInt(args[2]) : 0;
    long pauseMicros = args.length > 3 ? Long.parseLong(args[3]) : 0;
    BadMessageRaceWidener widener = BadMessageRaceWidener.install(pauseMicros * 1000);
    Path data = Files.createTempDirectory("leak-repro");
    try (TestPouch pouch = TestPouch.start(data, 64 * 1024)) {
      int port = Integer.parseInt(pouch.baseUrl().substring(pouch.baseUrl().lastIndexOf(':') + 1));
      Result result =
          new BadHttpLeakRepro(port, TestPouch.ADMIN_TOKEN)
              .run(new Settings(seconds * 1000, clients, spinners));
      System.out.println("exchanges: " + result.exchanges());
      result.outcomes().forEach((k, v) -> System.out.println("  " + k + ": " + v));
      System.out.println("leaks: " + result.leaks().size());
    }
    System.out.println(widener.summary());
    widener.close();
    System.exit(0);
  }
}
