package dev.pouch.domain.chain;

import dev.pouch.domain.limit.LimitCounters;
import java.util.Objects;

/**
 * Where a middleware instance serves: its key, its place in the key's chain, and the host's limit
 * counters. A limit names its counters after the site, so the same middleware of the same key
 * counts against one state in every instance that shares the counters.
 *
 * @param keyId the key whose chain holds the middleware
 * @param position its index in that chain (two limits of one kind on one key stay apart)
 * @param limits where its counters live (in the process, or shared across instances)
 */
public record MiddlewareSite(String keyId, int position, LimitCounters limits) {
  public MiddlewareSite {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(limits, "limits");
    if (position < 0) {
      throw new IllegalArgumentException("position must be >= 0");
    }
  }

  /** A stable counter name for a middleware of {@code kind} here: {@code key_…/2/rate_limit}. */
  public String counterName(String kind) {
    return keyId + "/" + position + "/" + kind;
  }
}
