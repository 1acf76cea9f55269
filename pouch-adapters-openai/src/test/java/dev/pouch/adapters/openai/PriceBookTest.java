package dev.pouch.adapters.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.money.ModelPrice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloading of {@code prices.json} without a restart. A hand-driven clock and explicit file times
 * stand in for waiting.
 */
class PriceBookTest {
  private static final Instant T0 = Instant.parse("2026-11-25T12:00:00Z");
  private static final String BUNDLED_VERSION = PriceTable.bundled().version();

  @TempDir Path dir;

  private final MutableClock clock = new MutableClock(T0);

  @Test
  void withoutAnOverrideFileTheBundledTableIsUsed() {
    PriceBook book = new PriceBook(dir.resolve("prices.json"), clock);

    assertThat(book.version()).isEqualTo(BUNDLED_VERSION);
    assertThat(book.models()).isEqualTo(PriceTable.bundled().models());
    assertThat(new PriceBook(null, clock).find("gpt-4o")).isPresent();
  }

  @Test
  void anOverrideIsMergedAndARewriteIsPickedUpAfterTheRecheckInterval() throws IOException {
    Path file = dir.resolve("prices.json");
    write(file, override("v1", "gpt-4o", "1.00"), T0.minusSeconds(60));
    PriceBook book = new PriceBook(file, clock);

    assertThat(book.version()).isEqualTo(BUNDLED_VERSION + "+v1@2026-11-25T11:59:00Z");
    assertThat(book.find("gpt-4o").orElseThrow().price().inputPerMTok()).isEqualTo(1_000_000);
    assertThat(book.find("gpt-4o-mini")).isEqualTo(PriceTable.bundled().find("gpt-4o-mini"));
    assertThat(book.modelInfo("gpt-4o-2024-08-06").orElseThrow().pricedAs())
        .isEqualTo("gpt-4o@" + BUNDLED_VERSION + "+v1@2026-11-25T11:59:00Z");

    write(file, override("v2", "gpt-4o", "3.00"), T0.plusSeconds(1));
    clock.advanceMillis(PriceBook.RECHECK_MILLIS - 1);
    assertThat(book.version()).as("not re-checked within a second").contains("+v1@");

    clock.advanceMillis(1);
    assertThat(book.version()).isEqualTo(BUNDLED_VERSION + "+v2@2026-11-25T12:00:01Z");
    assertThat(book.find("gpt-4o").orElseThrow().price())
        .isEqualTo(ModelPrice.of(3_000_000, 3_000_000));
  }

  @Test
  void aBrokenFileKeepsTheLastGoodTableUntilItIsFixed() throws IOException {
    Path file = dir.resolve("prices.json");
    write(file, override("good", "gpt-4o", "1.00"), T0.minusSeconds(60));
    PriceBook book = new PriceBook(file, clock);
    String good = book.version();

    write(file, override("bad", "gpt-4o", "-1.00"), T0.plusSeconds(5));
    clock.advanceMillis(2_000);
    assertThat(book.version()).isEqualTo(good);
    assertThat(book.find("gpt-4o").orElseThrow().price().inputPerMTok()).isEqualTo(1_000_000);

    write(file, "{ not json", T0.plusSeconds(6));
    clock.advanceMillis(2_000);
    assertThat(book.version()).isEqualTo(good);

    write(file, override("fixed", "gpt-4o", "2.00"), T0.plusSeconds(7));
    clock.advanceMillis(2_000);
    assertThat(book.version()).contains("+fixed@");
  }

  @Test
  void aFileBrokenAtStartLeavesTheBundledTable() throws IOException {
    Path file = dir.resolve("prices.json");
    write(file, "{\"version\": \"x\", \"models\": [{\"id\": \"gpt-4o\"}]}", T0);

    PriceBook book = new PriceBook(file, clock);

    assertThat(book.version()).isEqualTo(BUNDLED_VERSION);
    assertThat(book.find("gpt-4o")).isEqualTo(PriceTable.bundled().find("gpt-4o"));
  }

  @Test
  void deletingTheFileReturnsToTheBundledTable() throws IOException {
    Path file = dir.resolve("prices.json");
    write(file, override("v1", "my-local-model", "0.10"), T0.minusSeconds(60));
    PriceBook book = new PriceBook(file, clock);
    assertThat(book.find("my-local-model")).isPresent();

    Files.delete(file);
    clock.advanceMillis(PriceBook.RECHECK_MILLIS);

    assertThat(book.find("my-local-model")).isEmpty();
    assertThat(book.version()).isEqualTo(BUNDLED_VERSION);
  }

  @Test
  void aFileCreatedAfterStartIsPickedUp() throws IOException {
    Path file = dir.resolve("prices.json");
    PriceBook book = new PriceBook(file, clock);
    assertThat(book.find("my-local-model")).isEmpty();

    write(file, override("v1", "my-local-model", "0.10"), T0);
    clock.advanceMillis(PriceBook.RECHECK_MILLIS);

    assertThat(book.find("my-local-model")).isPresent();
  }

  private static String override(String version, String id, String inputUsd) {
    return "{\"version\": \""
        + version
        + "\", \"models\": [{\"id\": \""
        + id
        + "\", \"input_usd_per_mtok\": \""
        + inputUsd
        + "\", \"output_usd_per_mtok\": \"3.00\", \"context_window\": 128000,"
        + " \"max_output_tokens\": 16384, \"encoding\": \"o200k_base\"}]}";
  }

  private static void write(Path file, String json, Instant modified) throws IOException {
    Files.writeString(file, json);
    Files.setLastModifiedTime(file, FileTime.from(modified));
  }

  /** A clock the test moves by hand. */
  private static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant start) {
      this.now = start;
    }

    void advanceMillis(long millis) {
      now = now.plusMillis(millis);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
