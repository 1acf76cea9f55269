package dev.pouch.application.fakes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.PouchException;
import dev.pouch.domain.error.Refusal;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions on Pouch's failures. */
public final class PouchAssertions {
  private PouchAssertions() {}

  /** Asserts that {@code call} fails with a {@link PouchException} of {@code code}, returned. */
  public static PouchException assertRejected(ThrowingCallable call, ErrorCode code) {
    PouchException failure = catchThrowableOfType(PouchException.class, call);
    assertThat(failure).as("expected a failure with code %s", code).isNotNull();
    assertThat(failure.code()).as(failure.getMessage()).isEqualTo(code);
    return failure;
  }

  /** Asserts that {@code response} refuses the request with {@code code}; returns the refusal. */
  public static Refusal assertRefused(ProxyResponse response, ErrorCode code) {
    assertThat(response)
        .as("expected a refusal with code %s", code)
        .isInstanceOf(ProxyResponse.Refused.class);
    Refusal refusal = ((ProxyResponse.Refused) response).refusal();
    assertThat(refusal.code()).as(refusal.message()).isEqualTo(code);
    return refusal;
  }
}
