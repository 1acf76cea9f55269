package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.port.out.ReservationSync;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code --reservation-sync} and {@code POUCH_RESERVATION_SYNC}: reservations fsynced before the
 * upstream call unless the operator opts into {@code later} (FINANCIAL_SAFETY G3).
 */
class ReservationSyncConfigTest {

  @Test
  void aReservationIsSyncedNowUnlessTheOperatorOptsOut() {
    ServerConfig config = ServerConfig.parse(new String[0], Map.of());

    assertThat(config.reservationSync()).isEqualTo(ReservationSync.NOW);
    assertThat(config.toString()).contains("reservationSync=now");
    assertThat(ServerConfig.defaults(java.nio.file.Path.of("data")).reservationSync())
        .isEqualTo(ReservationSync.NOW);
  }

  @Test
  void theFlagOrTheEnvironmentChoosesLater() {
    ServerConfig byFlag =
        ServerConfig.parse(new String[] {"--reservation-sync", "later"}, Map.of());
    ServerConfig byEnvironment =
        ServerConfig.parse(new String[0], Map.of("POUCH_RESERVATION_SYNC", "later"));

    assertThat(byFlag.reservationSync()).isEqualTo(ReservationSync.LATER);
    assertThat(byFlag.toString()).contains("reservationSync=later");
    assertThat(byEnvironment.reservationSync()).isEqualTo(ReservationSync.LATER);
  }

  @Test
  void anyOtherValueIsRefusedNamingTheFlag() {
    assertThatThrownBy(
            () -> ServerConfig.parse(new String[] {"--reservation-sync", "never"}, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reservation-sync")
        .hasMessageContaining("now or later")
        .hasMessageContaining("never");
  }
}
