package dev.pouch.application.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pouch.domain.budget.BudgetTerms;
import dev.pouch.domain.budget.EndUser;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.key.EndUserPolicy;
import dev.pouch.domain.key.KeyPolicy;
import dev.pouch.domain.key.PluginRef;
import dev.pouch.domain.plugin.PluginConfig;
import dev.pouch.domain.provider.Operation;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EndUsersTest {
  private static final List<BudgetTerms> TERMS = List.of(new BudgetTerms(1_000, 86_400));

  private static AppKey key(EndUserPolicy policy) {
    return new AppKey(
        "key_1",
        "app",
        "pa-abc",
        "0".repeat(64),
        Instant.EPOCH,
        null,
        false,
        new KeyPolicy(new PluginRef("mock", PluginConfig.EMPTY), List.of(), List.of(), policy),
        1,
        null);
  }

  private static AppKey key(EndUserPolicy.Source source, boolean required) {
    return key(new EndUserPolicy(source, required, TERMS));
  }

  @Test
  void aKeyWithoutPolicyReadsNoEndUserWhateverTheRequestSends() {
    assertThat(
            EndUsers.named(
                key(null), Operation.CHAT_COMPLETIONS, Map.of("user", "u-1"), "header-user"))
        .isNull();
  }

  @Test
  void eachSourceReadsOnlyItsOwnPlace() {
    Map<String, Object> body = Map.of("user", "from-user", "safety_identifier", "from-sid");

    assertThat(
            EndUsers.named(
                    key(EndUserPolicy.Source.USER, false),
                    Operation.CHAT_COMPLETIONS,
                    body,
                    "from-header")
                .id())
        .isEqualTo("from-user");
    assertThat(
            EndUsers.named(
                    key(EndUserPolicy.Source.SAFETY_IDENTIFIER, false),
                    Operation.RESPONSES,
                    body,
                    "from-header")
                .id())
        .isEqualTo("from-sid");
    EndUser byHeader =
        EndUsers.named(
            key(EndUserPolicy.Source.HEADER, false), Operation.EMBEDDINGS, body, "from-header");
    assertThat(byHeader).isEqualTo(new EndUser("key_1", "from-header", TERMS));
    assertThat(byHeader.ownerId()).isEqualTo("key_1/from-header");
  }

  @Test
  void onTheMessagesApiABodySourceReadsMetadataUserId() {
    Map<String, Object> body =
        Map.of("user", "not-anthropic", "metadata", Map.of("user_id", "a-1"));

    for (EndUserPolicy.Source source :
        List.of(EndUserPolicy.Source.USER, EndUserPolicy.Source.SAFETY_IDENTIFIER)) {
      assertThat(EndUsers.named(key(source, true), Operation.MESSAGES, body, null).id())
          .isEqualTo("a-1");
    }
    assertThatThrownBy(
            () ->
                EndUsers.named(
                    key(EndUserPolicy.Source.USER, true), Operation.MESSAGES, Map.of(), null))
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            refused -> assertThat(refused.refusal().param()).isEqualTo("metadata.user_id"));
  }

  @Test
  void aMissingOrEmptyIdIsRefusedOnlyWhereRequiredNamingTheFieldOrHeader() {
    assertThat(
            EndUsers.named(
                key(EndUserPolicy.Source.USER, false),
                Operation.CHAT_COMPLETIONS,
                Map.of("user", ""),
                null))
        .isNull();
    assertThatThrownBy(
            () ->
                EndUsers.named(
                    key(EndUserPolicy.Source.HEADER, true),
                    Operation.CHAT_COMPLETIONS,
                    Map.of("user", "u-1"),
                    null))
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            refused -> {
              assertThat(refused.refusal().param()).isEqualTo("x-pouch-end-user");
              assertThat(refused.refusal().status()).isEqualTo(400);
            });
  }

  @Test
  void anIdThatIsNoStringOrNoIdIsRefused() {
    AppKey key = key(EndUserPolicy.Source.USER, false);
    for (Object bad : List.of(42, "with space", "é", "x".repeat(EndUser.MAX_ID_LENGTH + 1))) {
      assertThatThrownBy(
              () -> EndUsers.named(key, Operation.CHAT_COMPLETIONS, Map.of("user", bad), null))
          .isInstanceOfSatisfying(
              RequestRejectedException.class,
              refused -> assertThat(refused.refusal().param()).isEqualTo("user"));
    }
    assertThat(
            EndUsers.named(
                    key,
                    Operation.CHAT_COMPLETIONS,
                    Map.of("user", "Ab9._:@+/=-" + "x".repeat(EndUser.MAX_ID_LENGTH - 11)),
                    null)
                .id())
        .hasSize(EndUser.MAX_ID_LENGTH);
  }

  @Test
  void logsShowAnEndUsersOwnerWithoutItsId() {
    assertThat(EndUser.loggable("key_1/alice@example.com")).isEqualTo("key_1/(end user)");
    assertThat(EndUser.loggable("team_1")).isEqualTo("team_1");
  }
}
