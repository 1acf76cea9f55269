package dev.pouch.domain.budget;

import dev.pouch.domain.error.Refusal;
import java.util.Objects;

/** Whether a request's worst case fits its budget: a plan to reserve, or the refusal to give. */
public sealed interface Affordability {

  /** The worst case fits (possibly with a clamped output limit). */
  record Affordable(ReservationPlan plan) implements Affordability {
    public Affordable {
      Objects.requireNonNull(plan, "plan");
    }
  }

  /** Not even a minimal answer fits, or the worst case is beyond any budget. */
  record Unaffordable(Refusal refusal) implements Affordability {
    public Unaffordable {
      Objects.requireNonNull(refusal, "refusal");
    }
  }
}
