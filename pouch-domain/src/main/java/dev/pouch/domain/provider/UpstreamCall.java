package dev.pouch.domain.provider;

import java.util.Objects;

/**
 * What Pouch tells a provider about the call it is about to make.
 *
 * @param requestId Pouch's id of the request (for upstream logs and correlation)
 * @param outputCap output tokens (all choices together) that the reservation pays for; a provider
 *     must not let an answer bill more (cut the stream, or stop generation)
 */
public record UpstreamCall(String requestId, long outputCap) {
  public UpstreamCall {
    Objects.requireNonNull(requestId, "requestId");
    if (outputCap < 0) {
      throw new IllegalArgumentException("outputCap cannot be negative");
    }
  }
}
