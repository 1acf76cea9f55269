package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.server.security.AdminToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin token over HTTP: rate-limited failures per client address, rotation while running. */
class AdminAuthTest {
  @TempDir Path data;

  @Test
  void tenFailedAdminLoginsPerMinuteThen429UntilTheBucketRefills() {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T12:00:00Z"));
    try (TestPouch pouch = TestPouch.start(data, clock)) {
      for (int i = 0; i < SecurityConfig.DEFAULT_ADMIN_AUTH_FAILURES_PER_MINUTE; i++) {
        TestPouch.Reply wrong = pouch.send("GET", "/api/keys", "Bearer pt-admin-guess-" + i, null);
        assertThat(wrong.status()).as(wrong.raw()).isEqualTo(401);
        assertThat(wrong.errorCode()).isEqualTo("invalid_admin_token");
      }

      TestPouch.Reply limited = pouch.send("GET", "/api/keys", "Bearer pt-admin-guess-x", null);
      assertThat(limited.status()).as(limited.raw()).isEqualTo(429);
      assertThat(limited.errorType()).isEqualTo("rate_limit_exceeded");
      assertThat(limited.errorCode()).isEqualTo("rate_limit_exceeded");
      assertThat(limited.body().at("/error/message").asText()).isNotBlank();
      long retryAfter =
          Long.parseLong(limited.response().headers().firstValue("Retry-After").orElseThrow());
      assertThat(retryAfter).isBetween(1L, 60L);
      // While limited even the right token is refused, so the limit leaks no right guess.
      assertThat(pouch.admin("GET", "/api/keys", null).status()).isEqualTo(429);
      // The proxy is not affected by admin failures.
      assertThat(pouch.send("GET", "/v1/models", "Bearer pa-nope", null).status()).isEqualTo(401);

      clock.advance(Duration.ofSeconds(retryAfter));
      assertThat(pouch.admin("GET", "/api/keys", null).status()).isEqualTo(200);
      // One failure refilled; the next wrong guess uses it up again.
      assertThat(pouch.send("GET", "/api/keys", "Bearer wrong", null).status()).isEqualTo(401);
      assertThat(pouch.send("GET", "/api/keys", "Bearer wrong", null).status()).isEqualTo(429);

      clock.advance(Duration.ofMinutes(1));
      assertThat(pouch.admin("GET", "/api/keys", null).status()).isEqualTo(200);
    }
  }

  @Test
  void requestsWithoutATokenAreRefusedButNeverLockTheAdminOut() {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T12:00:00Z"));
    try (TestPouch pouch = TestPouch.start(data, clock)) {
      // What any web page open in the admin's browser can send (no-cors fetches carry no
      // Authorization header), many times the failure limit.
      int many = 5 * SecurityConfig.DEFAULT_ADMIN_AUTH_FAILURES_PER_MINUTE;
      for (int i = 0; i < many; i++) {
        TestPouch.Reply none = pouch.send("GET", "/api/keys", null, null);
        assertThat(none.status()).as(none.raw()).isEqualTo(401);
        assertThat(none.errorCode()).isEqualTo("invalid_admin_token");
        assertThat(pouch.send("POST", "/api/keys", null, "{}").status()).isEqualTo(401);
        // Neither a scheme other than Bearer nor an empty Bearer value is a guess of the token.
        assertThat(pouch.send("GET", "/api/keys", "Basic YWRtaW46YWRtaW4=", null).status())
            .isEqualTo(401);
        assertThat(pouch.send("GET", "/api/keys", "Bearer ", null).status()).isEqualTo(401);
      }

      assertThat(pouch.admin("GET", "/api/keys", null).status()).isEqualTo(200);
    }
  }

  @Test
  void wrongTokensStillLockOutAfterRequestsWithoutAToken() {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T12:00:00Z"));
    try (TestPouch pouch = TestPouch.start(data, clock)) {
      for (int i = 0; i < 50; i++) {
        assertThat(pouch.send("GET", "/api/keys", null, null).status()).isEqualTo(401);
      }
      for (int i = 0; i < SecurityConfig.DEFAULT_ADMIN_AUTH_FAILURES_PER_MINUTE; i++) {
        assertThat(pouch.send("GET", "/api/keys", "Bearer pt-admin-guess-" + i, null).status())
            .isEqualTo(401);
      }

      assertThat(pouch.send("GET", "/api/keys", "Bearer pt-admin-guess-x", null).status())
          .isEqualTo(429);
      assertThat(pouch.admin("GET", "/api/keys", null).status()).isEqualTo(429);
      assertThat(pouch.send("GET", "/api/keys", null, null).status()).isEqualTo(429);
    }
  }

  @Test
  void rotatingTheTokenWhileServingInvalidatesTheOldOneAtOnce() throws Exception {
    String first = AdminToken.rotate(data);
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(data.resolve(AdminToken.FILE_NAME))))
        .isEqualTo("rw-------");
    try (TestPouch pouch = TestPouch.start(TestPouch.config(data).withAdminToken(null))) {
      assertThat(pouch.send("GET", "/api/keys", "Bearer " + first, null).status()).isEqualTo(200);

      String second = AdminToken.rotate(data);

      assertThat(second).startsWith("pt-admin-").isNotEqualTo(first);
      TestPouch.Reply old = pouch.send("GET", "/api/keys", "Bearer " + first, null);
      assertThat(old.status()).isEqualTo(401);
      assertThat(old.errorCode()).isEqualTo("invalid_admin_token");
      assertThat(pouch.send("GET", "/api/keys", "Bearer " + second, null).status()).isEqualTo(200);
    }
    String stored = Files.readString(data.resolve(AdminToken.FILE_NAME));
    assertThat(stored).doesNotContain("pt-admin-").matches("[0-9a-f]{64}\\s*");
    assertThat(data.resolve(AdminToken.FILE_NAME + ".new")).doesNotExist();
  }
}
