package dev.pouch.server;

import dev.pouch.adapters.postgres.PostgresStore;
import dev.pouch.adapters.postgres.PostgresUrl;
import dev.pouch.adapters.sqlite.SqliteStore;
import dev.pouch.application.port.out.BudgetLedger;
import dev.pouch.application.port.out.RequestLog;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.log.RequestRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The request log at scale, by hand (not a test, not run in CI): bulk-loads rows into a SQLite file
 * and a PostgreSQL schema, then times the usage chart, the daily spend and {@code GET
 * /api/requests} paging on the hourly totals against the old row scans, a settlement with and
 * without the totals' trigger, and settlements while pruning runs. Figures: docs/BENCHMARKS.md.
 *
 * <pre>
 * java -cp … dev.pouch.server.RequestLogScale settle|scale ROWS SQLITE_FILE|- [POSTGRES_URL]
 * </pre>
 *
 * <p>{@code settle}: settlements with and without the totals' trigger on a small store; {@code
 * scale}: loads ROWS once (a second run reuses them), then times the queries, and settlements while
 * the oldest day is pruned (which deletes it: load again to prune again).
 */
final class RequestLogScale {
  private static final long DAY = 86_400_000L;
  private static final int KEYS = 100;
  private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
  private static final Duration SPAN = Duration.ofDays(60);
  private static final int CHUNK = 1_000_000;

  private static final String ROW_SCAN_USAGE =
      "SELECT (created_at / %1$d) * %1$d AS bucket, count(*), sum(prompt_tokens),"
          + " sum(completion_tokens), sum(cost_micros) FROM request_log WHERE created_at >= %2$d"
          + " AND created_at < %3$d%4$s GROUP BY bucket ORDER BY bucket";
  private static final String ROW_SCAN_DAILY =
      "SELECT created_at / 86400000 AS day, key_id, model, count(*), sum(prompt_tokens),"
          + " sum(completion_tokens), sum(cost_micros) FROM request_log WHERE created_at >= %d"
          + " AND created_at < %d GROUP BY day, key_id, model ORDER BY day, key_id, model";

  private RequestLogScale() {}

  public static void main(String[] args) throws Exception {
    boolean settle = args[0].equals("settle");
    long rows = Long.parseLong(args[1]);
    if (!args[2].equals("-")) { // "-": PostgreSQL only
      Path sqlite = Path.of(args[2]);
      if (settle) {
        sqliteSettle(sqlite);
      } else {
        sqliteRun(rows, sqlite);
      }
    }
    if (args.length > 3) {
      PostgresUrl url = PostgresUrl.parse(args[3]);
      if (settle) {
        postgresSettle(url);
      } else {
        postgresRun(rows, url);
      }
    }
  }

  // ---- SQLite

  private static void sqliteSettle(Path file) throws Exception {
    System.out.println("== SQLite settle " + file);
    Files.deleteIfExists(file);
    SqliteStore.open(file).close();
    try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      try (SqliteStore store = SqliteStore.open(file)) {
        settleAb(store, raw, "DROP TRIGGER request_log_rollup", sqliteTrigger(raw));
      }
    }
  }

  private static void sqliteRun(long rows, Path file) throws Exception {
    System.out.println("== SQLite " + file);
    if (!Files.exists(file)) {
      SqliteStore.open(file).close(); // the schema
      try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file);
          Statement st = raw.createStatement()) {
        st.execute("PRAGMA journal_mode = WAL");
        st.execute("PRAGMA synchronous = OFF");
        st.execute("PRAGMA cache_size = -1000000");
        long started = System.nanoTime();
        for (long lo = 0; lo < rows; lo += CHUNK) {
          long hi = Math.min(rows, lo + CHUNK);
          st.execute("BEGIN");
          st.execute(
              "WITH RECURSIVE s(i) AS (SELECT "
                  + lo
                  + " UNION ALL SELECT i + 1 FROM s WHERE i + 1 < "
                  + hi
                  + ") INSERT INTO request_log (request_id, key_id, model, created_at, status,"
                  + " streamed, prompt_tokens, cached_prompt_tokens, completion_tokens,"
                  + " reserved_micros, cost_micros, basis, overrun_micros, latency_millis)"
                  + " SELECT printf('req_%010d', i), printf('key_%03d', (i / 5) % 100),"
                  + " CASE i % 5 WHEN 0 THEN 'gpt-4o' WHEN 1 THEN 'gpt-4o-mini' WHEN 2 THEN"
                  + " 'gpt-4.1' WHEN 3 THEN 'claude-sonnet-4' ELSE 'o3' END, "
                  + createdAt("i", rows)
                  + ", 200, 0, 100 + i % 900, 0, 10 + i % 300, 5000, 100 + i % 4000,"
                  + " 'usage_reported', 0, 800 FROM s");
          st.execute("COMMIT");
          System.out.printf(Locale.ROOT, "  loaded %,d rows in %.0f s%n", hi, seconds(started));
        }
        st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      }
    }
    try (SqliteStore store = SqliteStore.open(file);
        Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      System.out.printf(
          Locale.ROOT,
          "  %,d rows, %,d rollup rows, %.0f MB%n",
          count(raw, "request_log"),
          count(raw, "request_rollups"),
          Files.size(file) / 1e6);
      queries(store, raw, rows);
      pruneWhileSettling(store, store, rows, 2_000);
      pruneWhileSettling(store, store, rows, 500);
    }
  }

  private static String sqliteTrigger(Connection raw) throws SQLException {
    try (Statement st = raw.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT sql FROM sqlite_schema WHERE name = 'request_log_rollup'")) {
      rs.next();
      return rs.getString(1);
    }
  }

  // ---- PostgreSQL

  private static void postgresSettle(PostgresUrl base) throws Exception {
    System.out.println("== PostgreSQL settle " + base.jdbcUrl());
    PostgresUrl settleSchema = base.inSchema("bench_settle");
    dropSchema(base, "bench_settle");
    try (PostgresStore store = PostgresStore.open(settleSchema);
        Connection raw = connect(settleSchema)) {
      settleAb(
          store,
          raw,
          "DROP TRIGGER request_log_rollup ON request_log",
          "CREATE TRIGGER request_log_rollup AFTER INSERT ON request_log REFERENCING NEW TABLE"
              + " AS inserted FOR EACH STATEMENT EXECUTE FUNCTION request_log_rollup()");
      triggerTimes(raw);
    }
    dropSchema(base, "bench_settle");
  }

  /** The trigger's own time in PostgreSQL, as EXPLAIN ANALYZE reports it for one inserted row. */
  private static void triggerTimes(Connection raw) throws SQLException {
    List<Double> trigger = new ArrayList<>();
    List<Double> total = new ArrayList<>();
    raw.setAutoCommit(false);
    try (Statement st = raw.createStatement()) {
      for (int i = 0; i < 300; i++) {
        try (ResultSet rs =
            st.executeQuery(
                "EXPLAIN (ANALYZE, FORMAT TEXT) INSERT INTO request_log (request_id, key_id, model,"
                    + " created_at, status, streamed, prompt_tokens, cached_prompt_tokens,"
                    + " completion_tokens, reserved_micros, cost_micros, overrun_micros,"
                    + " latency_millis) VALUES ('x"
                    + i
                    + "', 'key_settle', 'gpt-4o-mini', "
                    + NOW.toEpochMilli()
                    + ", 200, false, 1, 0, 1, 1, 1, 0, 1)")) {
          while (rs.next()) {
            String line = rs.getString(1);
            java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("Trigger request_log_rollup: time=([0-9.]+)")
                    .matcher(line);
            if (m.find()) {
              trigger.add(Double.parseDouble(m.group(1)));
            }
            m = java.util.regex.Pattern.compile("Execution Time: ([0-9.]+) ms").matcher(line);
            if (m.find()) {
              total.add(Double.parseDouble(m.group(1)));
            }
          }
        }
        raw.rollback();
      }
    } finally {
      raw.setAutoCommit(true);
    }
    double[] t = trigger.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double[] e = total.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    System.out.printf(
        Locale.ROOT,
        "  EXPLAIN ANALYZE of a one-row INSERT (%d runs): trigger median %.3f ms, whole statement"
            + " median %.3f ms%n",
        t.length,
        t[t.length / 2],
        e[e.length / 2]);
  }

  private static void postgresRun(long rows, PostgresUrl base) throws Exception {
    System.out.println("== PostgreSQL " + base.jdbcUrl());
    PostgresUrl url = base.inSchema("bench_log");
    boolean fresh;
    try (Connection raw = connect(base);
        Statement st = raw.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'bench_log'"
                    + " AND table_name = 'request_log'")) {
      rs.next();
      fresh = rs.getLong(1) == 0;
    }
    PostgresStore.open(url).close(); // the schema
    if (fresh) {
      try (Connection raw = connect(url);
          Statement st = raw.createStatement()) {
        st.execute("SET synchronous_commit = off");
        long started = System.nanoTime();
        for (long lo = 0; lo < rows; lo += CHUNK) {
          long hi = Math.min(rows, lo + CHUNK);
          st.execute(
              "INSERT INTO request_log (request_id, key_id, model, created_at, status, streamed,"
                  + " prompt_tokens, cached_prompt_tokens, completion_tokens, reserved_micros,"
                  + " cost_micros, basis, overrun_micros, latency_millis)"
                  + " SELECT 'req_' || lpad(i::text, 10, '0'),"
                  + " 'key_' || lpad(((i / 5) % 100)::text, 3, '0'),"
                  + " (ARRAY['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'claude-sonnet-4', 'o3'])[i % 5 + 1], "
                  + createdAt("i", rows)
                  + ", 200, false, 100 + i % 900, 0, 10 + i % 300, 5000, 100 + i % 4000,"
                  + " 'usage_reported', 0, 800 FROM generate_series("
                  + lo
                  + "::bigint, "
                  + (hi - 1)
                  + "::bigint) AS i");
          System.out.printf(Locale.ROOT, "  loaded %,d rows in %.0f s%n", hi, seconds(started));
        }
        st.execute("VACUUM ANALYZE request_log");
        st.execute("VACUUM ANALYZE request_rollups");
      }
    }
    try (PostgresStore store = PostgresStore.open(url);
        Connection raw = connect(url)) {
      System.out.printf(
          Locale.ROOT,
          "  %,d rows, %,d rollup rows%n",
          count(raw, "request_log"),
          count(raw, "request_rollups"));
      queries(store, raw, rows);
      pruneWhileSettling(store, store, rows, 2_000);
      pruneWhileSettling(store, store, rows, 500);
    }
  }

  private static Connection connect(PostgresUrl url) throws SQLException {
    Connection connection = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
    try (Statement st = connection.createStatement()) {
      st.execute("SET search_path = " + url.schema());
    }
    return connection;
  }

  private static void dropSchema(PostgresUrl url, String schema) throws SQLException {
    try (Connection raw = connect(url);
        Statement st = raw.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  // ---- both

  /** Row i's time: rows spread evenly over the 60 days before NOW, in order. */
  private static String createdAt(String i, long rows) {
    long start = NOW.minus(SPAN).toEpochMilli();
    return start + " + " + i + " * " + SPAN.toMillis() / rows;
  }

  private static void queries(RequestLog log, Connection raw, long rows) throws SQLException {
    Instant from = NOW.minus(Duration.ofDays(30));
    long f = from.toEpochMilli();
    long t = NOW.toEpochMilli();
    String key = "key_042";
    time("usage, day buckets, 30 days, all keys: totals", () -> log.usage(null, from, NOW, 86_400));
    time(
        "usage, day buckets, 30 days, all keys: row scan",
        () -> scan(raw, String.format(Locale.ROOT, ROW_SCAN_USAGE, DAY, f, t, "")));
    time("usage, day buckets, 30 days, one key: totals", () -> log.usage(key, from, NOW, 86_400));
    time(
        "usage, day buckets, 30 days, one key: row scan",
        () ->
            scan(
                raw,
                String.format(
                    Locale.ROOT, ROW_SCAN_USAGE, DAY, f, t, " AND key_id = '" + key + "'")));
    Instant hours = NOW.minus(Duration.ofHours(48));
    time("usage, hour buckets, 48 h, one key: totals", () -> log.usage(key, hours, NOW, 3_600));
    time(
        "usage, hour buckets, 48 h, one key: row scan",
        () ->
            scan(
                raw,
                String.format(
                    Locale.ROOT,
                    ROW_SCAN_USAGE,
                    3_600_000L,
                    hours.toEpochMilli(),
                    t,
                    " AND key_id = '" + key + "'")));
    time("daily spend, 30 days: totals", () -> log.dailySpend(from, NOW));
    time(
        "daily spend, 30 days: row scan",
        () -> scan(raw, String.format(Locale.ROOT, ROW_SCAN_DAILY, f, t)));
    long middle = rows / 2;
    String deepId = String.format(Locale.ROOT, "req_%010d", middle);
    long keyMiddle = middle - middle % 500 + 42 * 5; // (i / 5) % 100 == 42
    String deepKeyId = String.format(Locale.ROOT, "req_%010d", keyMiddle);
    time("GET /api/requests first page (50), all keys", () -> log.list(null, null, 50));
    time("GET /api/requests first page (50), one key", () -> log.list(key, null, 50));
    time(
        "GET /api/requests?after= page (50) " + middle + " rows deep, all keys",
        () -> log.listAfter(null, deepId, 50));
    time(
        "GET /api/requests?after= page (50) half way back, one key",
        () -> log.listAfter(key, deepKeyId, 50));
    Instant deepTime = NOW.minus(Duration.ofDays(30));
    time(
        "GET /api/requests?before= page (50) 30 days back, all keys",
        () -> log.list(null, deepTime, 50));
  }

  /** Median and fastest of 7 runs, after one to warm the cache. */
  private static void time(String what, Supplier<Object> query) {
    Object first = query.get();
    int size = first instanceof List<?> list ? list.size() : -1;
    double[] ms = new double[7];
    for (int i = 0; i < ms.length; i++) {
      long started = System.nanoTime();
      query.get();
      ms[i] = (System.nanoTime() - started) / 1e6;
    }
    Arrays.sort(ms);
    System.out.printf(
        Locale.ROOT,
        "  %-62s median %8.1f ms  min %8.1f ms  (%d rows)%n",
        what,
        ms[3],
        ms[0],
        size);
  }

  private static Object scan(Connection raw, String sql) {
    try (Statement st = raw.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      List<Long> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getLong(1));
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long count(Connection raw, String table) throws SQLException {
    try (Statement st = raw.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Settle latency with the totals' trigger and without it, alternating, one key, one thread. */
  private static void settleAb(BudgetLedger ledger, Connection raw, String drop, String create)
      throws SQLException {
    ledger.open("key_settle", 0, 0, NOW);
    settles(ledger, 2_000, "warm-up");
    for (int round = 0; round < 4; round++) {
      report("settle with totals    (round " + round + ")", settles(ledger, 5_000, "w" + round));
      try (Statement st = raw.createStatement()) {
        st.execute(drop);
      }
      report("settle without totals (round " + round + ")", settles(ledger, 5_000, "o" + round));
      try (Statement st = raw.createStatement()) {
        st.execute(create);
      }
    }
  }

  /** Wall times of each settle; the last element is the calling thread's CPU time of them all. */
  private static long[] settles(BudgetLedger ledger, int count, String prefix) {
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    long[] nanos = new long[count + 1];
    long cpu = 0;
    for (int i = 0; i < count; i++) {
      Reservation r = new Reservation(prefix + "-" + i, "key_settle", 5_000, NOW);
      if (!ledger.reserve(r)) {
        throw new IllegalStateException("refused");
      }
      long cpuStarted = threads.getCurrentThreadCpuTime();
      long started = System.nanoTime();
      ledger.settle(settlement(r));
      nanos[i] = System.nanoTime() - started;
      cpu += threads.getCurrentThreadCpuTime() - cpuStarted;
    }
    nanos[count] = cpu;
    return nanos;
  }

  private static Settlement settlement(Reservation r) {
    RequestRecord record =
        new RequestRecord(
            r.id(),
            r.keyId(),
            "gpt-4o-mini",
            NOW,
            200,
            false,
            120,
            0,
            30,
            5_000,
            1_234,
            SettlementBasis.USAGE_REPORTED,
            0,
            800,
            null,
            "gpt-4o-mini@bench",
            null,
            null);
    return new Settlement(r.id(), 1_234, SettlementBasis.USAGE_REPORTED, NOW, record);
  }

  private static void report(String what, long[] times) {
    long[] sorted = Arrays.copyOf(times, times.length - 1);
    Arrays.sort(sorted);
    double mean = Arrays.stream(sorted).average().orElse(0) / 1e3;
    System.out.printf(
        Locale.ROOT,
        "  %-46s mean %7.1f µs  p50 %7.1f µs  p99 %8.1f µs  max %8.1f µs  caller CPU %6.1f µs%n",
        what,
        mean,
        sorted[sorted.length / 2] / 1e3,
        sorted[(int) (sorted.length * 0.99)] / 1e3,
        sorted[sorted.length - 1] / 1e3,
        times[times.length - 1] / 1e3 / sorted.length);
  }

  /**
   * Settlements on one thread while another prunes the oldest day in batches of the default size,
   * against settlements alone.
   */
  private static void pruneWhileSettling(BudgetLedger ledger, RequestLog log, long rows, int batch)
      throws Exception {
    ledger.open("key_settle", 0, 0, NOW);
    String run = "b" + batch + "-";
    settles(ledger, 1_000, run + "warm");
    report("settle, nothing else running", settles(ledger, 3_000, run + "alone"));
    long pause = dev.pouch.application.retention.RetentionPolicy.DEFAULT_PAUSE.toMillis();
    // the oldest day at the first call, the next day at the second
    long firstDay = batch == 2_000 ? 1 : 2;
    Instant before = NOW.minus(SPAN).plus(Duration.ofDays(firstDay));
    AtomicBoolean done = new AtomicBoolean();
    List<Double> batchMillis = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread pruner =
        new Thread(
            () -> {
              while (!done.get()) {
                long started = System.nanoTime();
                int pruned = log.prune(before, batch);
                batchMillis.add((System.nanoTime() - started) / 1e6);
                if (pruned < batch) {
                  break;
                }
                try {
                  Thread.sleep(pause);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    pruner.start();
    long[] during = settles(ledger, 3_000, run + "pruning");
    done.set(true);
    pruner.join();
    report("settle while pruning (batch " + batch + ", " + pause + " ms apart)", during);
    double[] ms = batchMillis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    System.out.printf(
        Locale.ROOT,
        "  prune batches of %d: %d batches, median %.1f ms, max %.1f ms (%,d rows per day)%n",
        batch,
        ms.length,
        ms[ms.length / 2],
        ms[ms.length - 1],
        rows / SPAN.toDays());
  }

  private static double seconds(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }
}
