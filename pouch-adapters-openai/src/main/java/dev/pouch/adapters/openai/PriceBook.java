package dev.pouch.adapters.openai;

import dev.pouch.domain.provider.ModelInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prices Pouch charges by: the bundled table, overridden by an optional {@code prices.json} in
 * the data directory, which is picked up again when it changes (no restart).
 *
 * <p>The file is looked at (modification time and size) at most once per second, on a lookup. A
 * missing file means the bundled table alone; a broken one is logged as an ERROR and ignored, the
 * last good table staying in force (the bundled one if none was good yet), so a typo never leaves
 * models unpriced or wrongly priced. Safe for concurrent use: lookups read one volatile snapshot.
 */
public final class PriceBook implements Prices {
  private static final Logger log = LoggerFactory.getLogger(PriceBook.class);

  /** How often the override file is looked at, at most. */
  static final long RECHECK_MILLIS = 1_000;

  private final Path overrideFile;
  private final Clock clock;
  private final PriceTable bundled;
  private final Object reloadLock = new Object();

  /** The table in force and what it was built from; replaced whole, never mutated. */
  private volatile Snapshot snapshot;

  /**
   * @param overrideFile the optional override ({@code <data dir>/prices.json}); {@code null} for
   *     none
   * @param clock paces the re-checks
   */
  public PriceBook(Path overrideFile, Clock clock) {
    this(overrideFile, clock, PriceTable.bundled());
  }

  PriceBook(Path overrideFile, Clock clock, PriceTable bundled) {
    this.overrideFile = overrideFile;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.bundled = Objects.requireNonNull(bundled, "bundled");
    Snapshot initial = new Snapshot(bundled, FileState.ABSENT, clock.millis());
    synchronized (reloadLock) {
      this.snapshot = initial;
      reload(initial, clock.millis());
    }
  }

  /** The entry pricing {@code model} (see {@link PriceTable#find}); empty when unknown. */
  @Override
  public Optional<PricedModel> find(String model) {
    return current().find(model);
  }

  /**
   * The provider's view of {@code model}, its {@code pricedAs} naming the entry and the table
   * version (for example {@code gpt-4o@2026-11-25+mine@2026-12-01T10:00:00Z}), from one snapshot.
   */
  @Override
  public Optional<ModelInfo> modelInfo(String model) {
    return current().modelInfo(model);
  }

  /** Every priced model. */
  @Override
  public List<PricedModel> models() {
    return current().models();
  }

  /**
   * The version of the table in force: the bundled version, plus {@code +<override version>@<file
   * modification time>} while an override is in force.
   */
  @Override
  public String version() {
    return current().version();
  }

  /**
   * The table in force, re-reading the override file first if it may have changed. Callers that
   * need an entry and the version together should read both from one returned table.
   */
  PriceTable current() {
    Snapshot seen = snapshot;
    long now = clock.millis();
    if (overrideFile == null || now - seen.checkedAtMillis < RECHECK_MILLIS) {
      return seen.table;
    }
    synchronized (reloadLock) {
      Snapshot latest = snapshot;
      // Another thread may have re-checked while this one waited for the lock.
      if (now - latest.checkedAtMillis >= RECHECK_MILLIS) {
        reload(latest, now);
      }
      return snapshot.table;
    }
  }

  /** Looks at the file and publishes a new snapshot. Called with {@link #reloadLock} held. */
  private void reload(Snapshot previous, long now) {
    if (overrideFile == null) {
      return;
    }
    FileState state = FileState.of(overrideFile);
    if (state.equals(previous.fileState)) {
      snapshot = new Snapshot(previous.table, previous.fileState, now);
      return;
    }
    if (state.equals(FileState.ABSENT)) {
      log.atInfo()
          .addKeyValue("file", overrideFile)
          .addKeyValue("version", bundled.version())
          .log("price override file is gone; pricing with the bundled table alone");
      snapshot = new Snapshot(bundled, state, now);
      return;
    }
    try {
      PriceTable override;
      try (InputStream in = Files.newInputStream(overrideFile)) {
        override = PriceTable.parse(in, overrideFile.toString());
      }
      // The file's time makes the version unique per edit, so a request-log row names the file
      // contents that priced it even when someone forgets to bump "version".
      PriceTable merged =
          bundled.overriddenBy(
              override.withVersion(override.version() + "@" + Instant.ofEpochMilli(state.mtime)));
      log.atInfo()
          .addKeyValue("file", overrideFile)
          .addKeyValue("version", merged.version())
          .addKeyValue("models", override.models().size())
          .log("price override loaded");
      snapshot = new Snapshot(merged, state, now);
    } catch (IOException | RuntimeException e) {
      // Whatever is wrong with the file, pricing goes on with the last good table.
      // Remember the broken state so the error is logged once per edit, not once per second.
      log.atError()
          .addKeyValue("file", overrideFile)
          .addKeyValue("error", e.getMessage())
          .addKeyValue("version", previous.table.version())
          .log("price override file is broken; keeping the last good price table");
      snapshot = new Snapshot(previous.table, state, now);
    }
  }

  private record Snapshot(PriceTable table, FileState fileState, long checkedAtMillis) {}

  /** What identifies a version of the file cheaply; {@link #ABSENT} when there is none. */
  private record FileState(long mtime, long size) {
    static final FileState ABSENT = new FileState(Long.MIN_VALUE, -1);

    static FileState of(Path file) {
      try {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return new FileState(attributes.lastModifiedTime().toMillis(), attributes.size());
      } catch (NoSuchFileException e) {
        return ABSENT;
      } catch (IOException e) {
        // Unreadable metadata: treat as a new, different state so the read attempt reports it.
        return new FileState(Long.MIN_VALUE, -2);
      }
    }
  }
}
