package dev.pouch.application.fakes;

import dev.pouch.application.port.out.UndeliveredNotices;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/** {@link UndeliveredNotices} in memory, for tests. */
public final class InMemoryUndeliveredNotices implements UndeliveredNotices {
  private final NavigableMap<Long, UndeliveredNotice> rows = new TreeMap<>();
  private long lastId;

  @Override
  public synchronized long record(UndeliveredNotice notice) {
    long id = ++lastId;
    rows.put(id, notice);
    return id;
  }

  @Override
  public synchronized List<Kept> list(Long beforeId, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    NavigableMap<Long, UndeliveredNotice> older =
        beforeId == null ? rows.descendingMap() : rows.headMap(beforeId, false).descendingMap();
    List<Kept> page = new ArrayList<>();
    for (var row : older.entrySet()) {
      if (page.size() == limit) {
        break;
      }
      page.add(new Kept(row.getKey(), row.getValue()));
    }
    return page;
  }

  @Override
  public synchronized boolean delete(long id) {
    return rows.remove(id) != null;
  }

  @Override
  public synchronized int deleteAll() {
    int count = rows.size();
    rows.clear();
    return count;
  }
}
