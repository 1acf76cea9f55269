package dev.pouch.application.fakes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.PouchException;
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
}
