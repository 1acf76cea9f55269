package dev.pouch.adapters.sqlite;

import static dev.pouch.testkit.TestData.T0;
import static dev.pouch.testkit.TestData.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.application.port.out.KeyRepository;
import dev.pouch.domain.key.AppKey;
import dev.pouch.testkit.KeyRepositoryContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key repository contract on a SQLite file, and a unique-hash clash on update. */
class SqliteKeyRepositoryTest extends KeyRepositoryContract {
  @TempDir Path dir;

  @Override
  protected KeyRepository createRepository() {
    return Fixtures.open(dir);
  }

  @Test
  void updateToAnotherKeysSecretHashIsRefused() {
    repository.insert(key("key_1", "a".repeat(64), T0));
    AppKey second = key("key_2", "b".repeat(64), T0);
    repository.insert(second);
    AppKey clash =
        new AppKey("key_2", "Clash", "pk-2", "a".repeat(64), T0, null, false, second.policy(), 2);

    assertThatThrownBy(() -> repository.update(clash, 1)).isInstanceOf(IllegalStateException.class);
    assertThat(repository.findById("key_2")).contains(second);
  }
}
