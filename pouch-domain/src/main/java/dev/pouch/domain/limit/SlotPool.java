package dev.pouch.domain.limit;

import java.util.Optional;

/** At most {@link #max()} holders at once (requests in flight); thread-safe. */
public interface SlotPool {

  int max();

  /** A slot, or empty when all {@link #max()} are held. */
  Optional<HeldSlot> acquire();
}
