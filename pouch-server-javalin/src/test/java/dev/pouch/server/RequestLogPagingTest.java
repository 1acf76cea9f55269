package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code GET /api/requests} paging over HTTP, with every request in the same millisecond. */
class RequestLogPagingTest extends ServerTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T00:00:00Z"));

  @Override
  TestPouch start(Path dataDir) {
    return TestPouch.start(dataDir, clock); // the clock stands still: one millisecond for all
  }

  @Test
  void pagingAfterTheLastRowSeenReturnsEveryRowOnce() {
    TestPouch.CreatedTestKey key = pouch.createKey(KeyBody.mock("busy"));
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      TestPouch.Reply reply =
          pouch.chat(
              key,
              Map.of("model", "m", "messages", List.of(Map.of("role", "user", "content", "hi"))));
      assertThat(reply.status()).isEqualTo(200);
    }
    JsonNode all = pouch.admin("GET", "/api/requests?key_id=" + key.id(), null).body();
    all.forEach(row -> sent.add(row.get("id").asText()));

    List<String> paged = new ArrayList<>();
    String path = "/api/requests?limit=3&key_id=" + key.id();
    JsonNode page = pouch.admin("GET", path, null).body();
    while (page.size() > 0) {
      page.forEach(row -> paged.add(row.get("id").asText()));
      String last = page.get(page.size() - 1).get("id").asText();
      page = pouch.admin("GET", path + "&after=" + last, null).body();
    }

    assertThat(sent).hasSize(7).doesNotHaveDuplicates();
    assertThat(paged).containsExactlyElementsOf(sent);
  }

  @Test
  void afterAndBeforeTogetherAreRefusedNamingTheParameter() {
    TestPouch.Reply both =
        pouch.admin("GET", "/api/requests?after=req_1&before=2026-05-01T00:00:00Z", null);

    assertThat(both.status()).isEqualTo(400);
    assertThat(both.body().at("/error/param").asText()).isEqualTo("after");
  }
}
