package dev.pouch.server;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The official npm {@code openai} client (the version {@code src/test/node/package-lock.json} pins)
 * run by the machine's Node: {@link #run} starts one {@code node run.mjs} process for a group of
 * scenario calls (see {@code src/test/node/README.md}) and returns what each call gave. The first
 * use installs the client with {@code npm ci} when {@code node_modules} is missing or was installed
 * from another package.json or lockfile; a failing {@code npm} fails the test, it never skips it.
 */
final class NpmOpenAiClient {
  /** The Node project; Surefire runs in the module's folder. */
  static final Path DIR = Path.of("src", "test", "node").toAbsolutePath();

  private static final Logger LOG = LoggerFactory.getLogger(NpmOpenAiClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);

  /** Written into node_modules after a successful {@code npm ci}: what it installed from. */
  private static final String INSTALLED_LOCK = ".pouch-installed-lock.sha256";

  private static boolean installed;

  private NpmOpenAiClient() {}

  /**
   * One scenario call: {@code scenario} of {@code scenarios.mjs} with {@code key}'s secret, its
   * {@code args}, and client options ({@code maxRetries} …) over the client's defaults.
   */
  record Call(
      String scenario, TestPouch.CreatedTestKey key, Map<String, ?> args, Map<String, ?> client) {
    static Call of(String scenario, TestPouch.CreatedTestKey key) {
      return new Call(scenario, key, Map.of(), Map.of());
    }

    Call args(Map<String, ?> newArgs) {
      return new Call(scenario, key, newArgs, client);
    }

    /** Client options over the client's defaults, e.g. {@code Map.of("maxRetries", 0)}. */
    Call clientOptions(Map<String, ?> options) {
      return new Call(scenario, key, args, options);
    }

    Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("scenario", scenario);
      json.put("key", key.secret());
      json.put("args", args);
      json.put("client", client);
      return json;
    }
  }

  /**
   * What one call gave: {@code value} (the scenario's result) or {@code error} (the client's error
   * class, status, code …), and {@code http}, every HTTP request the client sent for it.
   */
  record Result(JsonNode json) {
    boolean ok() {
      return json.path("ok").asBoolean();
    }

    JsonNode value() {
      if (!ok()) {
        throw new AssertionError(json.path("scenario").asText() + " failed: " + json.get("error"));
      }
      return json.get("value");
    }

    JsonNode error() {
      if (ok()) {
        throw new AssertionError(json.path("scenario").asText() + " succeeded: " + json);
      }
      return json.get("error");
    }

    /** The HTTP requests the client sent, in order (each with its status and headers of note). */
    List<JsonNode> http() {
      List<JsonNode> sent = new ArrayList<>();
      json.get("http").forEach(sent::add);
      return sent;
    }
  }

  /** What one Node process gave: the client's own version and a result per call, in order. */
  record Run(String clientVersion, List<Result> results) {
    Result get(int call) {
      return results.get(call);
    }
  }

  /** Runs {@code calls} in order in one Node process against {@code baseUrl} (ending in /v1). */
  static Run run(String baseUrl, Call... calls) {
    return run("run.mjs", baseUrl, calls);
  }

  /**
   * Runs {@code calls} with another client's runner of the same contract ({@code anthropic.mjs}:
   * the npm {@code @anthropic-ai/sdk} client, against Pouch's root URL).
   */
  static Run run(String script, String baseUrl, Call... calls) {
    ensureInstalled();
    List<String> command = new ArrayList<>(List.of("node", script, "--base-url", baseUrl));
    for (Call call : calls) {
      command.add(write(call.toJson()));
    }
    long started = System.nanoTime();
    Finished node = execute(command, RUN_TIMEOUT);
    LOG.atInfo()
        .setMessage("npm openai client ran")
        .addKeyValue("calls", calls.length)
        .addKeyValue("millis", (System.nanoTime() - started) / 1_000_000)
        .log();
    if (node.exitCode() != 0) {
      fail("node run.mjs exited %d:%n%s%n%s", node.exitCode(), node.stdout(), node.stderr());
    }
    JsonNode output = lastJsonLine(node);
    LOG.atDebug().setMessage("npm openai client output").addKeyValue("json", output).log();
    List<Result> results = new ArrayList<>();
    output.get("results").forEach(result -> results.add(new Result(result)));
    if (results.size() != calls.length) {
      fail("asked for %d calls, got %d: %s", calls.length, results.size(), output);
    }
    return new Run(output.path("version").asText(), List.copyOf(results));
  }

  private static JsonNode lastJsonLine(Finished node) {
    String[] lines = node.stdout().strip().split("\n");
    try {
      return JSON.readTree(lines[lines.length - 1]);
    } catch (IOException notJson) {
      throw new AssertionError(
          "node run.mjs printed no JSON line:\n" + node.stdout() + "\n" + node.stderr(), notJson);
    }
  }

  /**
   * Runs {@code npm ci} unless node_modules holds what package.json and its lockfile pin (a stamp
   * of their hash, written after the last successful install). Once per JVM.
   */
  private static synchronized void ensureInstalled() {
    if (installed) {
      return;
    }
    Path lockfile = DIR.resolve("package-lock.json");
    if (!Files.isRegularFile(lockfile)) {
      fail("no %s: the npm client tests need their Node project", lockfile);
    }
    String lockHash = sha256(DIR.resolve("package.json"), lockfile);
    Path stamp = DIR.resolve("node_modules").resolve(INSTALLED_LOCK);
    boolean current =
        lockHash.equals(readOrEmpty(stamp))
            && Files.isRegularFile(DIR.resolve("node_modules/openai/package.json"));
    if (!current) {
      long started = System.nanoTime();
      Finished npm = execute(List.of("npm", "ci", "--no-audit", "--no-fund"), INSTALL_TIMEOUT);
      LOG.atInfo()
          .setMessage("npm ci of the openai client")
          .addKeyValue("dir", DIR)
          .addKeyValue("exit", npm.exitCode())
          .addKeyValue("millis", (System.nanoTime() - started) / 1_000_000)
          .log();
      if (npm.exitCode() != 0) {
        fail(
            "`npm ci` failed in %s (exit %d): the npm client tests cannot run without it%n%s%n%s",
            DIR, npm.exitCode(), npm.stdout(), npm.stderr());
      }
      try {
        Files.writeString(stamp, lockHash);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    installed = true;
  }

  private record Finished(int exitCode, String stdout, String stderr) {}

  /**
   * Runs a program in {@link #DIR} with its output in files (no pipe can fill up), without the
   * {@code OPENAI_*} variables the client would otherwise read.
   */
  private static Finished execute(List<String> command, Duration timeout) {
    try {
      Path out = Files.createTempFile("pouch-npm-", ".stdout");
      Path err = Files.createTempFile("pouch-npm-", ".stderr");
      try {
        ProcessBuilder builder =
            new ProcessBuilder(command)
                .directory(DIR.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("OPENAI_"));
        Process process;
        try {
          process = builder.start();
        } catch (IOException e) {
          throw new AssertionError(
              "cannot run `" + command.get(0) + "` (Node.js 20+ and npm are required)", e);
        }
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
          // the command itself is not shown: its calls carry key secrets
          fail(
              "`%s %s` did not finish within %s:%n%s",
              command.get(0), command.get(1), timeout, Files.readString(err));
        }
        return new Finished(
            process.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readOrEmpty(Path file) {
    try {
      return Files.isRegularFile(file) ? Files.readString(file).strip() : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha256(Path... files) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Path file : files) {
        digest.update(Files.readAllBytes(file));
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
