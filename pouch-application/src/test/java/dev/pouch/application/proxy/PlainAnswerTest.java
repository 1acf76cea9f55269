package dev.pouch.application.proxy;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static dev.pouch.application.fakes.PouchAssertions.assertRefused;
import static dev.pouch.application.fakes.TestPouch.micros;
import static dev.pouch.application.fakes.TestPouch.reservationFor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.fakes.FakeStream;
import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.log.RequestRecord;
import dev.pouch.domain.provider.AnswerAssembler;
import dev.pouch.domain.provider.ProviderResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A plain answer the provider receives as a stream is metered by the core (issue 10, item 2): the
 * provider's assembler only frames the chunks it is handed; the cut, the break and the charge are
 * the core's.
 */
class PlainAnswerTest {
  private static final long MAX_TOKENS = 20;
  private static final long PROMPT = 90;

  @RegisterExtension final TestPouch pouch = new TestPouch();
  private final CreatedKey key = pouch.create(aKey().budget(100_000));

  /** Joins the chunks it is handed; says how it ended. */
  private static class JoiningAssembler implements AnswerAssembler {
    final List<String> chunks = new ArrayList<>();

    @Override
    public void accept(byte[] chunk) {
      chunks.add(new String(chunk, StandardCharsets.UTF_8));
    }

    @Override
    public byte[] answer(boolean cut) {
      return ((cut ? "cut:" : "whole:") + chunks.size()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] failure(String message) {
      return ("failed:" + message).getBytes(StandardCharsets.UTF_8);
    }
  }

  private ProxyResponse ask(FakeStream upstream, AnswerAssembler assembler) {
    pouch.upstream.answer(
        call ->
            new ProviderResponse.Assembling(
                200, Map.of("Content-Type", "application/json"), upstream, assembler));
    return pouch.chat(key, chat().maxTokens(MAX_TOKENS));
  }

  private static String body(ProxyResponse response) {
    return new String(((ProxyResponse.Complete) response).body(), StandardCharsets.UTF_8);
  }

  @Test
  void theAnswerIsFramedFromEveryChunkAndChargedItsUsage() {
    JoiningAssembler assembler = new JoiningAssembler();

    ProxyResponse response = ask(FakeStream.billingPrompt(PROMPT).chunks(3, 5), assembler);

    assertThat(response.status()).isEqualTo(200);
    assertThat(body(response)).isEqualTo("whole:4"); // three chunks and the usage chunk
    RequestRecord row = pouch.store.onlyRecord();
    assertThat(row.basis()).isEqualTo(SettlementBasis.USAGE_REPORTED);
    assertThat(row.costMicros()).isEqualTo(micros(PROMPT, 15));
    assertThat(row.streamed()).isFalse();
  }

  @Test
  void anUpstreamPastTheCapIsCutByTheCoreNotTheProvider() {
    JoiningAssembler assembler = new JoiningAssembler();

    ProxyResponse response = ask(FakeStream.billingPrompt(PROMPT).chunks(6, 8), assembler);

    assertThat(body(response))
        .as("two chunks of 8 fit the cap of 20; the third is dropped")
        .isEqualTo("cut:2");
    RequestRecord row = pouch.store.onlyRecord();
    assertThat(row.basis()).isEqualTo(SettlementBasis.CAPPED);
    assertThat(row.costMicros()).isEqualTo(reservationFor(MAX_TOKENS));
  }

  @Test
  void anUpstreamThatBreaksOffIsA502ChargedItsReservation() {
    ProxyResponse response =
        ask(
            FakeStream.billingPrompt(PROMPT).chunk("a", 2).breakOff("reset"),
            new JoiningAssembler());

    assertThat(response.status()).isEqualTo(502);
    assertThat(body(response)).startsWith("failed:");
    RequestRecord row = pouch.store.onlyRecord();
    assertThat(row.status()).isEqualTo(502);
    assertThat(row.errorCode()).isEqualTo("upstream_error");
    assertThat(row.costMicros()).isEqualTo(reservationFor(MAX_TOKENS));
  }

  @Test
  void anAssemblerThatFailsIsChargedAsInterruptedNotAsAClientThatLeft() {
    AnswerAssembler broken =
        new JoiningAssembler() {
          @Override
          public void accept(byte[] chunk) {
            if (chunks.size() == 2) {
              throw new IllegalStateException("framing bug");
            }
            super.accept(chunk);
          }
        };
    FakeStream upstream = FakeStream.billingPrompt(PROMPT).streamingEveryToken().chunks(6, 1);

    assertRefused(ask(upstream, broken), ErrorCode.INTERNAL);

    RequestRecord row = pouch.store.onlyRecord();
    assertThat(row.errorCode())
        .as("Pouch failed, the client did not leave")
        .isEqualTo("internal_error");
    assertThat(row.status()).isEqualTo(500);
    assertThat(row.basis()).isEqualTo(SettlementBasis.FULL_RESERVATION);
    assertThat(row.costMicros()).isEqualTo(reservationFor(MAX_TOKENS));
    assertThat(upstream.isClosed()).isTrue();
  }
}
