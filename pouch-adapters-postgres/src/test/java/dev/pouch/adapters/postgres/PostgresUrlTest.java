package dev.pouch.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Reading a store URL: the driver's URL, the role apart, the schema, never the password shown. */
class PostgresUrlTest {
  @Test
  void aFullUrlGivesTheJdbcUrlTheRoleThePasswordAndTheSchema() {
    PostgresUrl url =
        PostgresUrl.parse(
            "postgresql://pouch:p%40ss+word@db.internal:6543/gateway?currentSchema=pouch_a&sslmode=require");

    assertThat(url.jdbcUrl())
        .isEqualTo(
            "jdbc:postgresql://db.internal:6543/gateway?currentSchema=pouch_a&sslmode=require");
    assertThat(url.user()).isEqualTo("pouch");
    assertThat(url.password()).isEqualTo("p@ss+word");
    assertThat(url.schema()).isEqualTo("pouch_a");
    assertThat(url.toString()).doesNotContain("p@ss").contains("db.internal");
  }

  @Test
  void aShortUrlUsesTheDefaultPortAndThePublicSchema() {
    PostgresUrl url = PostgresUrl.parse("postgres://localhost/pouch");

    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost/pouch");
    assertThat(url.user()).isNull();
    assertThat(url.password()).isNull();
    assertThat(url.schema()).isEqualTo("public");
  }

  @Test
  void whatIsNoPostgresUrlIsRefusedWithoutEchoingIt() {
    assertThat(PostgresUrl.isPostgres("./data/pouch.db")).isFalse();
    assertThatThrownBy(() -> PostgresUrl.parse("mysql://u:secret@h/db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> PostgresUrl.parse("postgresql://u:secret@h"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a host and a database")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> PostgresUrl.parse("postgresql://h/db?currentSchema=Bad-Name"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
