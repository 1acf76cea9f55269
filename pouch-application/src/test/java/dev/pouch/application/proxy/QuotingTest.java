package dev.pouch.application.proxy;

import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.PouchSettings;
import dev.pouch.application.fakes.InMemoryStore;
import dev.pouch.application.fakes.TestPouch;
import dev.pouch.domain.budget.Affordability;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.ReservationPlan;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.key.AppKey;
import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.ResponsesRequest;
import dev.pouch.domain.provider.UpstreamCall;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The quote stage reads an operation, not a chat request: another API's operation is priced by the
 * same flow when the key's provider serves that API, and refused before any price when it does not.
 */
class QuotingTest {
  @RegisterExtension final TestPouch pouch = new TestPouch();

  private static final Budget ROOMY = new Budget(1_000_000, 0, 0, Instant.EPOCH, 0);

  /** An operation of an API chat-only providers do not serve, with an output limit of 40. */
  private record Summarize(String model, Long maxOutputTokens) implements Operation {
    @Override
    public String api() {
      return "summaries";
    }

    @Override
    public boolean stream() {
      return false;
    }

    @Override
    public int choices() {
      return 1;
    }

    @Override
    public boolean hasOutputLimit() {
      return maxOutputTokens != null;
    }

    @Override
    public Operation withModel(String other) {
      return new Summarize(other, maxOutputTokens);
    }

    @Override
    public Operation withMaxOutputTokens(long tokens) {
      return new Summarize(model, tokens);
    }

    @Override
    public Map<String, Object> body() {
      return Map.of("model", model, "max_output_tokens", maxOutputTokens);
    }
  }

  /** A provider of 100-token prompts at $1 / $2 per million tokens, serving the given APIs. */
  private static Provider provider(List<String> apis) {
    ModelInfo model = new ModelInfo("m", ModelPrice.of(1_000_000, 2_000_000), 128_000, 4_096);
    return new Provider() {
      @Override
      public boolean serves(String api) {
        return apis.contains(api);
      }

      @Override
      public Optional<ModelInfo> model(String name) {
        return Optional.of(model);
      }

      @Override
      public List<ModelInfo> models() {
        return List.of(model);
      }

      @Override
      public long estimatePromptTokens(Operation request) {
        return 100;
      }

      @Override
      public ProviderResponse execute(Operation request, UpstreamCall call) {
        throw new AssertionError("not called by the quote");
      }
    };
  }

  private AppKey key() {
    return pouch.authenticate(pouch.create(aKey().budget(1_000_000)));
  }

  @Test
  void anotherApisOperationIsPricedByTheSameFlowWhenTheProviderServesIt() {
    Quoting.Start start =
        Quoting.start(
            new Summarize("m", 40L),
            key(),
            provider(List.of("summaries")),
            ROOMY,
            PouchSettings.DEFAULTS);

    assertThat(start).isInstanceOf(Quoting.Start.Quotable.class);
    Affordability quote = ((Quoting.Start.Quotable) start).quoting().first(ROOMY);
    ReservationPlan plan = ((Affordability.Affordable) quote).plan();
    long margin = PouchSettings.DEFAULTS.overrunMarginTokens();
    assertThat(plan.maxOutputTokens()).isEqualTo(40);
    assertThat(plan.amountMicros())
        .as("100 prompt tokens at 1 µ$, 40 + margin at 2 µ$")
        .isEqualTo(100 + 2 * (40 + margin));
  }

  @Test
  void anOperationTheProviderDoesNotServeIsRefusedBeforeAnyPrice() {
    Quoting.Start start =
        Quoting.start(
            new Summarize("m", 40L), key(), provider(List.of()), ROOMY, PouchSettings.DEFAULTS);

    assertThat(start).isInstanceOf(Quoting.Start.Refused.class);
    assertThat(((Quoting.Start.Refused) start).refusal().code())
        .isEqualTo(ErrorCode.UNSUPPORTED_OPERATION);
    assertThat(((Quoting.Start.Refused) start).refusal().status()).isEqualTo(400);
  }

  @Test
  void FINANCIAL_SAFETY_aContinuationIsQuotedWithTheContextRecordedForTheResponseItContinues() {
    AppKey key = key();
    InMemoryStore store = new InMemoryStore();
    store.record("resp_1", key.id(), 5_000, Instant.EPOCH);
    ResponsesRequest continuing =
        ResponsesRequest.of(
            Map.of(
                "model",
                "m",
                "input",
                "hi",
                "previous_response_id",
                "resp_1",
                "max_output_tokens",
                40));

    Quoting.Start start =
        Quoting.start(
            continuing,
            key,
            provider(List.of("responses")),
            ROOMY,
            PouchSettings.DEFAULTS,
            new Continuations(store));

    Quoting quoting = ((Quoting.Start.Quotable) start).quoting();
    ReservationPlan plan = ((Affordability.Affordable) quoting.first(ROOMY)).plan();
    long margin = PouchSettings.DEFAULTS.overrunMarginTokens();
    assertThat(plan.promptTokens()).as("100 of its own, 5,000 continued").isEqualTo(5_100);
    assertThat(plan.amountMicros()).isEqualTo(5_100 + 2 * (40 + margin));
  }
}
