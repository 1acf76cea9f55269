package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.adapters.mock.upstream.FakeOpenAiUpstream;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import dev.pouch.adapters.sqlite.SqliteStore;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.server.security.AesGcmSecretSealer;
import dev.pouch.server.security.MasterKey;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Secret config values (upstream API keys) are sealed with AES-256-GCM before they reach SQLite: a
 * full scenario over HTTP leaves neither the upstream key nor the app key in the database files or
 * in any log line, while the upstream still receives the key.
 */
class SecretsAtRestTest {
  private static final String UPSTREAM_SECRET = "sk-upstream-PLAINTEXT-4f1c9e7a2b";

  @TempDir Path data;
  private FakeOpenAiUpstream upstream;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Logger root;
  private Level rootLevel;
  private Logger pouchLogger;
  private Level pouchLevel;

  @BeforeEach
  void captureLogs() {
    root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    rootLevel = root.getLevel();
    pouchLogger = (Logger) LoggerFactory.getLogger("dev.pouch");
    pouchLevel = pouchLogger.getLevel();
    // As in production (logback.xml): INFO, Jetty and Javalin at WARN; Pouch's own code at TRACE.
    root.setLevel(Level.INFO);
    ((Logger) LoggerFactory.getLogger("org.eclipse.jetty")).setLevel(Level.WARN);
    ((Logger) LoggerFactory.getLogger("io.javalin")).setLevel(Level.WARN);
    pouchLogger.setLevel(Level.TRACE);
    logs.start();
    root.addAppender(logs);
    upstream =
        FakeOpenAiUpstream.start(
            0, FakeUpstreamSettings.DEFAULT.withResponseText("sealed secrets stay sealed"));
  }

  @AfterEach
  void restore() {
    upstream.close();
    root.detachAppender(logs);
    root.setLevel(rootLevel);
    pouchLogger.setLevel(pouchLevel);
    ((Logger) LoggerFactory.getLogger("org.eclipse.jetty")).setLevel(null);
    ((Logger) LoggerFactory.getLogger("io.javalin")).setLevel(null);
  }

  @Test
  void aFullScenarioLeavesNoPlaintextSecretInTheDatabaseFilesOrTheLogs() throws Exception {
    List<String> answers = new ArrayList<>();
    String appKey;
    try (TestPouch pouch = TestPouch.start(data)) {
      TestPouch.CreatedTestKey key =
          pouch.createKey(
              KeyBody.openAi("sealed", upstream.baseUrl())
                  .providerSetting("api_key", UPSTREAM_SECRET)
                  .budgetMicros(5_000_000));
      appKey = key.secret();

      TestPouch.Reply plain = pouch.chat(key, chat(false));
      assertThat(plain.status()).isEqualTo(200);
      assertThat(upstream.lastAuthorization()).contains("Bearer " + UPSTREAM_SECRET);
      answers.add(plain.raw());

      HttpResponse<InputStream> stream = pouch.openStream(key, chat(true));
      assertThat(stream.statusCode()).isEqualTo(200);
      try (InputStream body = stream.body()) {
        String sse = new String(body.readAllBytes(), StandardCharsets.UTF_8);
        assertThat(sse).contains("data: [DONE]");
        answers.add(sse);
      }

      // An edit that sends the mask back keeps the secret, and the upstream still gets it.
      Map<String, Object> edit = KeyBody.openAi("sealed-renamed", upstream.baseUrl()).toMap();
      edit.put(
          "provider",
          Map.of(
              "id",
              "openai",
              "config",
              Map.of("base_url", upstream.baseUrl(), "api_key", "********")));
      TestPouch.Reply edited = pouch.admin("PUT", "/api/keys/" + key.id(), edit);
      assertThat(edited.status()).isEqualTo(200);
      assertThat(edited.body().at("/provider/config/api_key").asText()).isEqualTo("********");
      answers.add(edited.raw());
      upstream.resetCounters();
      assertThat(pouch.chat(key, chat(false)).status()).isEqualTo(200);
      assertThat(upstream.lastAuthorization()).contains("Bearer " + UPSTREAM_SECRET);

      for (String path :
          List.of("/api/keys", "/api/keys/" + key.id(), "/api/requests", "/api/plugins")) {
        TestPouch.Reply reply = pouch.admin("GET", path, null);
        assertThat(reply.status()).isEqualTo(200);
        answers.add(reply.raw());
      }
      JsonNode rows = pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body();
      assertThat(rows).hasSize(3);

      // While running: the WAL holds the recent writes.
      assertSealedInFilesWithout(UPSTREAM_SECRET, appKey);
    }
    // After a clean stop (checkpointed into pouch.db).
    assertSealedInFilesWithout(UPSTREAM_SECRET, appKey);

    assertThat(answers).noneMatch(a -> a.contains(UPSTREAM_SECRET));
    String allLogs = allLogText();
    assertThat(logs.list).isNotEmpty();
    assertThat(allLogs).contains("key created").doesNotContain(UPSTREAM_SECRET);
    assertThat(allLogs).doesNotContain(appKey);
    assertThat(allLogs).doesNotContain(appKey.substring(12)); // not even the tail of it
  }

  @Test
  void plaintextSecretsStoredBeforeEncryptionAreSealedAtStartAndStillWork() throws Exception {
    String keyId;
    try (SqliteStore store = SqliteStore.open(data.resolve("pouch.db"))) {
      keyId = "key_legacy";
      Map<String, Object> config = new LinkedHashMap<>();
      config.put("api_key", UPSTREAM_SECRET);
      config.put("base_url", upstream.baseUrl());
      Instant now = Instant.parse("2026-11-01T00:00:00Z");
      store.open(keyId, 0, 0, now);
      store.insert(
          new AppKey(
              keyId,
              "legacy",
              "pa-legacy",
              dev.pouch.application.keys.KeySecrets.hash("pa-legacy-secret"),
              now,
              null,
              false,
              new KeyPolicy(
                  new PluginRef("openai", PluginConfig.restore(config)), List.of(), List.of()),
              1));
    }
    assertThat(fileText(data.resolve("pouch.db"))).contains(UPSTREAM_SECRET);

    try (TestPouch pouch = TestPouch.start(data)) {
      TestPouch.Reply reply =
          pouch.send("POST", "/v1/chat/completions", "Bearer pa-legacy-secret", chat(false));
      assertThat(reply.status()).isEqualTo(200);
      assertThat(upstream.lastAuthorization()).contains("Bearer " + UPSTREAM_SECRET);
      assertThat(pouch.admin("GET", "/api/keys/" + keyId, null).raw())
          .doesNotContain(UPSTREAM_SECRET);
    }
    try (SqliteStore store = SqliteStore.open(data.resolve("pouch.db"))) {
      String stored =
          store.findById(keyId).orElseThrow().policy().provider().config().string("api_key", null);
      assertThat(stored).startsWith("enc:v1:").doesNotContain(UPSTREAM_SECRET);
    }
  }

  @Test
  void theMasterKeyFileIsGeneratedOwnerOnlyAndTheWrongKeyRefusesToStart() throws Exception {
    try (TestPouch pouch = TestPouch.start(data)) {
      pouch.createKey(
          KeyBody.openAi("sealed", upstream.baseUrl()).providerSetting("api_key", UPSTREAM_SECRET));
    }
    Path keyFile = data.resolve(MasterKey.FILE_NAME);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
        .isEqualTo("rw-------");
    assertThat(Base64.getDecoder().decode(Files.readString(keyFile).strip())).hasSize(32);

    byte[] other = new byte[32];
    other[0] = 1;
    ServerConfig wrongKey =
        TestPouch.config(data)
            .withSecurity(
                SecurityConfig.DEFAULTS.withMasterKey(Base64.getEncoder().encodeToString(other)));
    assertThatThrownBy(() -> TestPouch.start(wrongKey).close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("master key id")
        .hasMessageNotContaining(UPSTREAM_SECRET);

    // The same key given in the environment works.
    ServerConfig sameKey =
        TestPouch.config(data)
            .withSecurity(SecurityConfig.DEFAULTS.withMasterKey(Files.readString(keyFile).strip()));
    try (TestPouch pouch = TestPouch.start(sameKey)) {
      assertThat(pouch.admin("GET", "/api/keys", null).body()).hasSize(1);
    }
  }

  private static Map<String, Object> chat(boolean stream) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", "gpt-4o-mini");
    body.put("messages", List.of(Map.of("role", "user", "content", "Are secrets sealed?")));
    body.put("max_tokens", 20);
    if (stream) {
      body.put("stream", true);
    }
    return body;
  }

  /** Every file of the data folder (pouch.db, -wal, -shm …) holds sealed values, no plaintext. */
  private void assertSealedInFilesWithout(String... needles) throws IOException {
    String db = fileText(data.resolve("pouch.db"));
    String wal = fileText(data.resolve("pouch.db-wal"));
    assertThat(db + wal).contains(AesGcmSecretSealer.PREFIX);
    try (Stream<Path> files = Files.walk(data)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String text = fileText(file);
        for (String needle : needles) {
          assertThat(text).as(file.getFileName() + " holds a secret").doesNotContain(needle);
        }
      }
    }
  }

  private static String fileText(Path file) throws IOException {
    return Files.exists(file)
        ? new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)
        : "";
  }

  private String allLogText() {
    StringBuilder all = new StringBuilder();
    for (ILoggingEvent event : logs.list) {
      all.append(event.getLoggerName()).append(' ').append(event.getFormattedMessage());
      if (event.getKeyValuePairs() != null) {
        event
            .getKeyValuePairs()
            .forEach(kv -> all.append(' ').append(kv.key).append('=').append(kv.value));
      }
      if (event.getThrowableProxy() != null) {
        all.append(' ').append(event.getThrowableProxy().getMessage());
      }
      all.append('\n');
    }
    return all.toString();
  }
}
