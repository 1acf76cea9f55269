package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseItem;
import dev.pouch.adapters.mock.upstream.FakeUpstreamSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code GET}/{@code DELETE /v1/responses/{id}}, {@code …/input_items} and {@code POST …/cancel}
 * with openai-java over real HTTP: passed through, unmetered, for the key that made the response
 * only; a deleted response can no longer be read or continued.
 */
class StoredResponsesTest extends FakeUpstreamServerTest {
  private static final String TEXT = "stored answers belong to the key that made them";

  private OpenAIClient sdk(TestPouch.CreatedTestKey key) {
    return OpenAIOkHttpClient.builder()
        .apiKey(key.secret())
        .baseUrl(pouch.openAiBaseUrl())
        .maxRetries(0)
        .build();
  }

  private static ResponseCreateParams.Builder question() {
    return ResponseCreateParams.builder()
        .model("gpt-4o-mini")
        .input("Who owns this answer?")
        .maxOutputTokens(50);
  }

  @Test
  void theKeyThatMadeAResponseReadsItsAnswerAndInputWithoutBeingCharged() {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("owner", "unused").budgetMicros(1_000_000));
    OpenAIClient client = sdk(key);
    Response created = client.responses().create(question().build());
    long spent = pouch.budget(key.id()).get("spent_micros").asLong();

    Response read = client.responses().retrieve(created.id());
    List<ResponseItem> input = client.responses().inputItems().list(created.id()).data();

    assertThat(read.id()).isEqualTo(created.id());
    assertThat(read.output().get(0).asMessage().content().get(0).asOutputText().text())
        .isEqualTo(TEXT);
    assertThat(input).hasSize(1);
    assertThat(input.get(0).asResponseInputMessageItem().content().get(0).asInputText().text())
        .isEqualTo("Who owns this answer?");
    assertThatThrownBy(() -> client.responses().cancel(created.id()))
        .as("the upstream's own refusal, passed through")
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("background");
    assertThat(pouch.budget(key.id()).get("spent_micros").asLong())
        .as("reading a stored answer costs nothing")
        .isEqualTo(spent);
    assertThat(ServedCharges.rows(pouch, key)).as("only the metered request has a row").hasSize(1);
  }

  @Test
  void anotherKeyCannotReadDeleteOrCancelAResponseItDidNotMake() {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    TestPouch.CreatedTestKey owner =
        upstreamKey(KeyBody.openAi("owner", "unused").budgetMicros(1_000_000));
    TestPouch.CreatedTestKey other = upstreamKey(KeyBody.openAi("other", "unused"));
    String id = sdk(owner).responses().create(question().build()).id();
    OpenAIClient intruder = sdk(other);

    assertThatThrownBy(() -> intruder.responses().retrieve(id))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("made with this key");
    assertThatThrownBy(() -> intruder.responses().inputItems().list(id))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> intruder.responses().delete(id)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> intruder.responses().cancel(id)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> sdk(owner).responses().retrieve("resp_never_made"))
        .isInstanceOf(NotFoundException.class);
    assertThat(sdk(owner).responses().retrieve(id).id())
        .as("still there for its owner: the other key's delete never reached the upstream")
        .isEqualTo(id);
  }

  @Test
  void aDeletedResponseCanNoLongerBeReadOrContinued() {
    startUpstream(FakeUpstreamSettings.DEFAULT.withResponseText(TEXT));
    TestPouch.CreatedTestKey key =
        upstreamKey(KeyBody.openAi("deleter", "unused").budgetMicros(1_000_000));
    OpenAIClient client = sdk(key);
    String id = client.responses().create(question().build()).id();

    client.responses().delete(id);

    assertThatThrownBy(() -> client.responses().retrieve(id))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("made with this key");
    assertThatThrownBy(() -> client.responses().create(question().previousResponseId(id).build()))
        .as("forgotten: its context can no longer be bounded on a key with a budget")
        .isInstanceOf(BadRequestException.class);
  }
}
