package dev.pouch.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.pouch.adapters.openai.OpenAiProviderFactory;
import dev.pouch.adapters.openai.OpenAiSettings;
import dev.pouch.adapters.sqlite.SqliteStore;
import dev.pouch.application.port.out.ReservationSync;
import dev.pouch.application.Pouch;
import dev.pouch.application.middlewares.BuiltinMiddlewares;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.application.port.in.KeyDraft;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Shared set-up of the benchmarks: prompts, a Pouch on SQLite in a temporary folder, clean-up. */
final class Fixtures {
  /** What Pouch sends upstream as the API key (the in-process upstream ignores it). */
  static final String UPSTREAM_KEY = "sk-bench";

  /** A budget no benchmark can exhaust: $1,000,000. */
  static final long LARGE_BUDGET_MICROS = 1_000_000_000_000L;

  /** Parses bodies as Pouch's server does (big decimals for floats). */
  static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

  private static final String PARAGRAPH =
      "Our team is migrating a billing service from a monolith to small services. Each request"
          + " carries a customer id, an invoice number and a list of line items with prices in"
          + " cents; totals must never be rounded twice. Please review the following plan, point"
          + " out risks around idempotency, retries and partial failures, and suggest how to"
          + " test the settlement step end to end before we switch traffic over on Monday. ";

  private Fixtures() {}

  /** English text of exactly {@code bytes} ASCII bytes. */
  static String prompt(int bytes) {
    StringBuilder text = new StringBuilder(bytes + PARAGRAPH.length());
    while (text.length() < bytes) {
      text.append(PARAGRAPH);
    }
    return text.substring(0, bytes);
  }

  /** A chat-completions body as the server parses it: a system and a user message. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> chatBody(String userText, boolean stream) {
    String json =
        "{\"model\":\"gpt-4o-mini\",\"max_tokens\":256,"
            + (stream ? "\"stream\":true," : "")
            + "\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
            + "{\"role\":\"user\",\"content\":"
            + quote(userText)
            + "}]}";
    try {
      return JSON.readValue(json, Map.class);
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
  }

  private static String quote(String text) {
    try {
      return JSON.writeValueAsString(text);
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
  }

  static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A Pouch as the server wires it (SQLite store, {@code openai} provider, built-in middlewares)
   * with one key on {@code baseUrl}, a large budget and a {@code rate_limit} middleware that never
   * refuses. Close it with {@link #close()}.
   */
  static final class PouchUnderTest implements AutoCloseable {
    final Path dir;
    final SqliteStore store;
    final OpenAiProviderFactory openAi;
    final Pouch pouch;
    final String secret;
    final String keyId;

    PouchUnderTest(String baseUrl) {
      this(baseUrl, ReservationSync.NOW);
    }

    PouchUnderTest(String baseUrl, ReservationSync reservationSync) {
      this.dir = tempDir("pouch-jmh-");
      this.store = SqliteStore.open(dir.resolve("pouch.db"), reservationSync);
      this.openAi =
          new OpenAiProviderFactory(
              new OpenAiSettings(null, baseUrl, dir.resolve("prices.json")), Clock.systemUTC());
      this.pouch =
          Pouch.builder()
              .keys(store)
              .ledger(store)
              .requestLog(store)
              .provider(openAi)
              .middlewares(BuiltinMiddlewares.all())
              .build();
      CreatedKey created =
          pouch
              .keys()
              .create(
                  new KeyDraft(
                      "bench",
                      OpenAiProviderFactory.ID,
                      Map.of("api_key", UPSTREAM_KEY, "base_url", baseUrl),
                      // the full accounting path of issue 8: a rate limit far above any rate here
                      List.of(
                          new KeyDraft.MiddlewareDraft(
                              "rate_limit", Map.of("limit", 1_000_000_000L, "period", 1L))),
                      List.of("gpt-4o-mini"),
                      LARGE_BUDGET_MICROS,
                      0,
                      null,
                      false));
      this.secret = created.secret();
      this.keyId = created.view().key().id();
    }

    @Override
    public void close() {
      pouch.close();
      openAi.close();
      store.close();
      deleteTree(dir);
    }
  }
}
