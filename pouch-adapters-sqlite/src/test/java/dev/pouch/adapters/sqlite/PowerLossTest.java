package dev.pouch.adapters.sqlite;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.reservation;
import static dev.pouch.testkit.TestData.settlement;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.Reservation;
import dev.pouch.domain.budget.Settlement;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.log.RequestRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The power-loss half of G7 (docs/FINANCIAL_SAFETY.md; ARCHITECTURE D21): a settlement's commit is
 * not synced, so a power loss before the next synced commit can undo it; the reservation it closed
 * is then open again, and recovery at start charges it in full. {@code kill -9} cannot show this
 * (the OS keeps the WAL's pages), so these tests build the files a power loss would leave and open
 * them: the main file, and the WAL up to where the last synced commit ended ({@code
 * synchronous=FULL} syncs the WAL before that commit returns), followed by whatever part of the
 * unsynced tail the OS happened to write back, torn anywhere. The copy has no {@code -shm} index,
 * as after a reboot: SQLite rebuilds it from the WAL, keeping only frames whose checksums chain
 * from the WAL's header up to a commit frame.
 *
 * <p>All in one thread, so every write runs alone, on the caller's thread (D25), and the WAL's
 * length after each call is exactly where that call's commit ended.
 */
class PowerLossTest {
  /** Requests reserved and settled one after the other before the loss. */
  private static final int SETTLED_EARLIER = 20;

  /** Requests in flight at the loss: reserved, never settled. */
  private static final int IN_FLIGHT = 2;

  /** Requests reserved, then settled after the last synced commit: the unsynced tail. */
  private static final int SETTLED_IN_THE_TAIL = 4;

  private static final int WAL_HEADER_BYTES = 32;
  private static final int FRAME_HEADER_BYTES = 24;

  @TempDir Path dir;

  @Test
  void aPowerLossUndoesOnlyTheSettlementsAfterTheLastSyncedCommitAndRecoveryChargesThemInFull() {
    Run run = Run.play(dir.resolve("live"));

    assertThat(run.lostIfOnlyUpTo(run.durableEnd))
        .as("every settlement after the last synced commit is lost with its pages")
        .containsExactlyElementsOf(run.tail)
        .hasSize(SETTLED_IN_THE_TAIL);
    restartAndCheck(run, "synced-part", run.walUpTo(run.durableEnd), run.durableEnd);
  }

  @Test
  void aTornTailKeepsTheSettlementsWhoseCommitReachedTheDiskWholeAndRecoveryChargesTheRestInFull() {
    Run run = Run.play(dir.resolve("live"));
    SortedSet<Long> cuts = new TreeSet<>(List.of(run.durableEnd));
    Random random = new Random(7);
    long start = run.durableEnd;
    for (String id : run.tail) {
      long end = run.commitEnds.get(id);
      cuts.add(end); // the whole commit
      cuts.add(end - run.frameBytes); // all but its commit frame, which comes last
      cuts.add(start + 1 + random.nextLong(end - start - 1)); // torn inside a frame
      start = end;
    }

    assertThat(cuts.last())
        .as("the last cut keeps the whole WAL: a crash of the process alone, which loses nothing")
        .isEqualTo(run.end);

    for (long cut : cuts) {
      restartAndCheck(run, "cut-" + cut, run.walUpTo(cut), cut);
    }
  }

  @Test
  void settlementsWrittenBackAfterOneWhosePagesWereLostAreLostWithItAndRecoveredInFull() {
    Run run = Run.play(dir.resolve("live"));
    // The OS writes dirty pages back in any order: the first unsynced settlement's frames never
    // reached the disk, the later ones' did. Each frame's checksum goes on from the previous
    // frame's, so SQLite stops at the hole and ignores the intact frames after it.
    byte[] wal = run.walUpTo(run.end);
    long firstEnd = run.commitEnds.get(run.tail.get(0));
    Arrays.fill(wal, Math.toIntExact(run.durableEnd), Math.toIntExact(firstEnd), (byte) 0);

    restartAndCheck(run, "hole", wal, run.durableEnd);
  }

  /**
   * Opens the main file and {@code wal} as a machine finds them after the power came back, runs the
   * recovery of a start, and checks every request against the run: a settlement whose commit ended
   * within {@code survivingEnd} of the WAL is kept exactly; every other reservation is charged its
   * full amount, as {@code recovered}.
   */
  private void restartAndCheck(Run run, String name, byte[] wal, long survivingEnd) {
    Path after = dir.resolve(name);
    write(after.resolve("pouch.db"), run.mainFile);
    write(after.resolve("pouch.db-wal"), wal);
    List<String> lost = run.lostIfOnlyUpTo(survivingEnd);
    String at = name + ", lost " + lost;

    try (SqliteStore store = Fixtures.open(after)) {
      assertThat(store.recoverOpenReservations(T0.plusSeconds(60)))
          .as("recovered: the requests in flight and the lost settlements (%s)", at)
          .isEqualTo(IN_FLIGHT + lost.size());

      Map<String, RequestRecord> rows = new HashMap<>();
      for (String key : Run.KEYS) {
        store.list(key, null, 1000).forEach(row -> rows.put(row.requestId(), row));
      }
      assertThat(rows).as(at).hasSize(run.reservations.size());
      Map<String, Long> spentByKey = new HashMap<>();
      Map<String, Long> actualByKey = new HashMap<>();
      for (Reservation reservation : run.reservations.values()) {
        String id = reservation.id();
        Settlement settlement = run.settlements.get(id);
        RequestRecord row = rows.get(id);
        if (settlement != null && !lost.contains(id)) {
          assertThat(row)
              .as("a settlement that survived is kept exactly (%s)", at)
              .isEqualTo(settlement.record());
        } else {
          assertThat(row.basis()).as("%s (%s)", id, at).isEqualTo(SettlementBasis.RECOVERED);
          assertThat(row.costMicros())
              .as("%s is charged its whole reservation (%s)", id, at)
              .isEqualTo(reservation.amountMicros());
          assertThat(row.reservedMicros()).as(at).isEqualTo(reservation.amountMicros());
        }
        spentByKey.merge(reservation.keyId(), row.costMicros(), Long::sum);
        if (settlement != null) {
          actualByKey.merge(reservation.keyId(), settlement.actualMicros(), Long::sum);
        }
      }
      for (String key : Run.KEYS) {
        Budget budget = Fixtures.budgetInFile(store, key);
        assertThat(budget.reservedMicros()).as("%s: nothing stays reserved (%s)", key, at).isZero();
        assertThat(budget.spentMicros())
            .as("%s: the spend is the sum of its rows (%s)", key, at)
            .isEqualTo(spentByKey.get(key))
            .as("%s: never below what the settled requests cost (%s)", key, at)
            .isGreaterThanOrEqualTo(actualByKey.get(key));
      }
      assertThat(Fixtures.count(store, "SELECT count(*) FROM reservations")).as(at).isZero();
      assertThat(Fixtures.strings(store, "PRAGMA integrity_check")).as(at).containsExactly("ok");
    }
  }

  private static void write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * One run of the live store up to the power loss: the requests, where each settlement's commit
   * ended in the WAL, where the last synced commit ended, and the files as the OS held them then.
   */
  private static final class Run {
    static final List<String> KEYS = List.of("key_a", "key_b");

    private final SqliteStore store;
    private final Path wal;
    final Map<String, Reservation> reservations = new LinkedHashMap<>();
    final Map<String, Settlement> settlements = new LinkedHashMap<>();

    /** The WAL's length when each settlement returned: the end of its commit. */
    final Map<String, Long> commitEnds = new LinkedHashMap<>();

    /** The settlements after the last synced commit, in order. */
    final List<String> tail = new ArrayList<>();

    /** The WAL's length when the last synced commit returned: everything before it is durable. */
    long durableEnd;

    /** The WAL's length at the loss. */
    long end;

    long frameBytes;
    byte[] mainFile;
    private byte[] walFile;

    private Run(SqliteStore store, Path dir) {
      this.store = store;
      this.wal = dir.resolve("pouch.db-wal");
    }

    /** Plays the requests on a live store in {@code dir} and takes its files at the loss. */
    static Run play(Path dir) {
      Random random = new Random(42);
      try (SqliteStore store = Fixtures.open(dir)) {
        store.open("key_a", 1_000_000_000, 0, T0);
        store.open("key_b", 0, 0, T0);
        Run run = new Run(store, dir);
        byte[] mainAtStart = read(dir.resolve("pouch.db"));
        byte[] walHeaderAtStart = run.walHeader();

        for (int i = 0; i < SETTLED_EARLIER; i++) {
          Reservation r = run.reserve("done-" + i, 1_000 + random.nextInt(99_000));
          long actual =
              i % 5 == 0 ? 0 : i % 7 == 3 ? r.amountMicros() + 25 : 1 + random.nextInt(999);
          run.settle(r, actual); // unsynced, made durable by the next reservation's commit
        }
        for (int i = 0; i < IN_FLIGHT; i++) {
          run.reserve("open-" + i, 1_000 + random.nextInt(99_000));
        }
        List<Reservation> tail = new ArrayList<>();
        for (int i = 0; i < SETTLED_IN_THE_TAIL; i++) {
          tail.add(run.reserve("tail-" + i, 1_000 + random.nextInt(99_000)));
        }
        for (Reservation r : tail) {
          run.settle(r, r.amountMicros() / 3);
          run.tail.add(r.id());
        }

        run.powerLoss();
        // SQLite checkpoints on its own once the WAL holds 1,000 pages (wal_autocheckpoint, left
        // at its default by SqliteConnections): a checkpoint copies pages into the main file and
        // may restart the WAL, and the lengths recorded here would no longer say what is durable.
        // This run writes far fewer pages; check that no checkpoint ran.
        assertThat(run.mainFile).as("no checkpoint wrote the main file").isEqualTo(mainAtStart);
        assertThat(Arrays.copyOf(run.walFile, WAL_HEADER_BYTES))
            .as("no checkpoint restarted the WAL")
            .isEqualTo(walHeaderAtStart);
        return run;
      }
    }

    /** A reservation, committed and synced before it returns. */
    Reservation reserve(String id, long amountMicros) {
      Reservation r = reservation(id, KEYS.get(reservations.size() % KEYS.size()), amountMicros);
      long unsynced = store.database().syncedLaterCommits();
      long before = walLength();

      assertThat(store.reserve(r)).isTrue();

      assertThat(store.database().syncedLaterCommits()).as("%s was synced", id).isEqualTo(unsynced);
      durableEnd = walLength();
      assertThat(durableEnd).as("%s wrote to the WAL", id).isGreaterThan(before);
      reservations.put(id, r);
      return r;
    }

    /** A settlement, committed before it returns but not synced: the premise of the tests. */
    void settle(Reservation r, long actualMicros) {
      Settlement s = settlement(r, actualMicros);
      long unsynced = store.database().syncedLaterCommits();
      long before = walLength();

      assertThat(store.settle(s)).isTrue();

      assertThat(store.database().syncedLaterCommits())
          .as("%s's commit was not synced", r.id())
          .isEqualTo(unsynced + 1);
      long after = walLength();
      assertThat(after).as("%s wrote to the WAL", r.id()).isGreaterThan(before);
      settlements.put(r.id(), s);
      commitEnds.put(r.id(), after);
    }

    /** The settlements lost when only the WAL's first {@code survivingEnd} bytes count. */
    List<String> lostIfOnlyUpTo(long survivingEnd) {
      List<String> lost = new ArrayList<>();
      commitEnds.forEach(
          (id, commitEnd) -> {
            if (commitEnd > survivingEnd) {
              lost.add(id);
            }
          });
      return lost;
    }

    /** The WAL's first {@code bytes} bytes, as the OS held them at the loss. */
    byte[] walUpTo(long bytes) {
      return Arrays.copyOf(walFile, Math.toIntExact(bytes));
    }

    /** Takes the files as they are now, with the live store still open (nothing checkpoints). */
    private void powerLoss() {
      mainFile = read(wal.resolveSibling("pouch.db"));
      walFile = read(wal);
      end = walFile.length;
      int pageSize = ByteBuffer.wrap(walFile, 8, 4).getInt(); // big-endian, in the WAL header
      frameBytes = FRAME_HEADER_BYTES + pageSize;
      assertThat(end)
          .as("the last settlement is the last commit")
          .isEqualTo(commitEnds.get(tail.get(tail.size() - 1)));
      assertThat(durableEnd).isLessThan(commitEnds.get(tail.get(0)));
      for (long commitEnd : commitEnds.values()) {
        assertThat((commitEnd - WAL_HEADER_BYTES) % frameBytes).as("whole frames").isZero();
      }
      assertThat((durableEnd - WAL_HEADER_BYTES) % frameBytes).isZero();
    }

    private byte[] walHeader() {
      return Arrays.copyOf(read(wal), WAL_HEADER_BYTES);
    }

    private long walLength() {
      try {
        return Files.size(wal);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
