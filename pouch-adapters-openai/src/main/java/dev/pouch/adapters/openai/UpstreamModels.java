package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream's own model list ({@code GET /models}), for {@code GET /v1/models}: asked at most
 * once per {@link #FRESH} (an answer) or {@link #RETRY} (no answer), so listing models does not
 * call the upstream per request, and an upstream that cannot list (many OpenAI-compatible servers)
 * costs one short call now and then.
 */
final class UpstreamModels {
  private static final Logger log = LoggerFactory.getLogger(UpstreamModels.class);
  static final Duration FRESH = Duration.ofMinutes(10);
  static final Duration RETRY = Duration.ofMinutes(1);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
  private static final long MAX_LIST_BODY = 4L << 20;

  private final UpstreamEndpoint endpoint;
  private final OkHttpClient client;
  private final Clock clock;
  private Snapshot snapshot; // guarded by this

  private record Snapshot(Optional<Set<String>> ids, Instant until) {}

  UpstreamModels(UpstreamEndpoint endpoint, OkHttpClient client, Clock clock) {
    this.endpoint = endpoint;
    this.client = client.newBuilder().callTimeout(CALL_TIMEOUT).build();
    this.clock = clock;
  }

  /** The ids the upstream lists, or empty when it did not answer with a list. */
  synchronized Optional<Set<String>> ids() {
    Instant now = clock.instant();
    if (snapshot == null || !now.isBefore(snapshot.until())) {
      Optional<Set<String>> ids = fetch();
      snapshot = new Snapshot(ids, now.plus(ids.isPresent() ? FRESH : RETRY));
    }
    return snapshot.ids();
  }

  private Optional<Set<String>> fetch() {
    Request request = endpoint.request("models").get().build();
    try (Response response = client.newCall(request).execute()) {
      if (!response.isSuccessful()) {
        log.atInfo()
            .addKeyValue("status", response.code())
            .log("the upstream did not list its models; listing the price table's");
        return Optional.empty();
      }
      if (response.body().contentLength() > MAX_LIST_BODY) {
        return Optional.empty();
      }
      JsonNode data = OpenAiProvider.MAPPER.readTree(response.body().byteStream()).path("data");
      if (!data.isArray()) {
        return Optional.empty();
      }
      Set<String> ids = new LinkedHashSet<>();
      for (JsonNode model : data) {
        if (model.path("id").isTextual()) {
          ids.add(model.path("id").asText());
        }
      }
      return Optional.of(ids);
    } catch (IOException | RuntimeException unreachable) {
      log.atInfo()
          .addKeyValue("reason", unreachable.toString())
          .log("could not list the upstream's models; listing the price table's");
      return Optional.empty();
    }
  }
}
