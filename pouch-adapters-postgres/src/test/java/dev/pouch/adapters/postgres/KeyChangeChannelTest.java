package dev.pouch.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.port.out.KeyChange;
import dev.pouch.application.port.out.KeyChange.Effect;
import org.junit.jupiter.api.Test;

/** The channel's name per schema and its messages between instances. */
class KeyChangeChannelTest {
  @Test
  void eachSchemaHasItsOwnChannelWithinPostgresNameLength() {
    String longSchema = "s".repeat(60);

    assertThat(KeyChangeChannel.forSchema("public").name()).isEqualTo("pouch_key_changes_public");
    assertThat(KeyChangeChannel.forSchema("tenant_a").name())
        .isNotEqualTo(KeyChangeChannel.forSchema("tenant_b").name());
    assertThat(KeyChangeChannel.forSchema(longSchema).name())
        .hasSize(63)
        .isNotEqualTo(KeyChangeChannel.forSchema(longSchema + "t").name());
    assertThat(KeyChangeChannel.forSchema("public").instance())
        .isNotEqualTo(KeyChangeChannel.forSchema("public").instance());
  }

  @Test
  void anotherInstancesMessageIsReadBackAndItsOwnIsSkipped() {
    KeyChangeChannel mine = KeyChangeChannel.forSchema("public");
    KeyChangeChannel theirs = KeyChangeChannel.forSchema("public");
    KeyChange change = new KeyChange("key_0123456789abcdef0123", Effect.RESTART);

    assertThat(mine.otherInstancesChange(theirs.message(change))).contains(change);
    assertThat(mine.otherInstancesChange(mine.message(change))).isEmpty();
  }

  @Test
  void aMessageThatIsNotAChangeIsIgnored() {
    KeyChangeChannel channel = KeyChangeChannel.forSchema("public");

    assertThat(channel.otherInstancesChange("")).isEmpty();
    assertThat(channel.otherInstancesChange("abc key_1")).isEmpty();
    assertThat(channel.otherInstancesChange("abc key_1 delete")).isEmpty();
    assertThat(channel.otherInstancesChange("abc  reload")).isEmpty();
  }
}
