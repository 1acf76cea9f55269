package dev.pouch.application.port.in;

import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.KeyStatus;
import java.util.Objects;

/**
 * A key as admins see it: the stored key, its budget and its status. Secret config fields are
 * masked by the presenter (the server), which knows the schemas through the catalog.
 *
 * @param simulated whether answers come from the mock rather than a real upstream
 */
public record KeyView(AppKey key, Budget budget, KeyStatus status, boolean simulated) {
  public KeyView {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(budget, "budget");
    Objects.requireNonNull(status, "status");
  }
}
