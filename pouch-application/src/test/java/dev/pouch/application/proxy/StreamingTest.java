package dev.pouch.application.proxy;

import static dev.pouch.application.fakes.ChatBody.chat;
import static dev.pouch.application.fakes.KeyDraftBuilder.aKey;
import static dev.pouch.application.fakes.TestPouch.micros;
import static dev.pouch.application.fakes.TestPouch.reservationFor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pouch.application.fakes.FakeStream;
import dev.pouch.application.fakes.FakeUpstream;
import dev.pouch.application.fakes.TestPouch;
import dev.pouch.application.port.in.CreatedKey;
import dev.pouch.domain.budget.Budget;
import dev.pouch.domain.budget.SettlementBasis;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.chain.ResponseStream;
import dev.pouch.domain.log.RequestRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Streams: forwarded as they arrive, cut at the cap, settled exactly once however they end. */
class StreamingTest {
  private static final long MAX_TOKENS = 20;
  private static final long PROMPT = 90;

  @RegisterExtension final TestPouch pouch = new TestPouch();
  private final CreatedKey key = pouch.create(aKey().budget(100_000));

  private ResponseStream send(FakeStream upstream) {
    pouch.upstream.answer(call -> FakeUpstream.streaming(upstream));
    ProxyResponse response = pouch.chat(key, chat().maxTokens(MAX_TOKENS).stream());
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headers()).containsEntry("Content-Type", "text/event-stream");
    return ((ProxyResponse.Streaming) response).stream();
  }

  /** Reads what the client would read, up to the end of the stream. */
  private static List<String> drain(ResponseStream stream) {
    List<String> received = new ArrayList<>();
    for (byte[] chunk = stream.next(); chunk != null; chunk = stream.next()) {
      received.add(text(chunk));
      assertThat(received).as("the stream should end").hasSizeLessThan(1_000);
    }
    return received;
  }

  @Test
  void aStreamIsForwardedAsItArrivesAndSettledOnceAtTheEndWithItsUsage() {
    FakeStream upstream = FakeStream.billingPrompt(PROMPT).chunks(3, 5);
    ResponseStream stream = send(upstream);

    String first = text(stream.next());

    assertThat(first).isEqualTo(text(upstream.sent().get(0)));
    assertThat(pouch.budget(key).reservedMicros()).isEqualTo(reservationFor(MAX_TOKENS));
    assertThat(pouch.store.records()).as("not settled before the end").isEmpty();

    List<String> rest = drain(stream);

    assertThat(prepend(first, rest)).containsExactlyElementsOf(texts(upstream.sent()));
    assertSettledOnce(micros(PROMPT, 15), SettlementBasis.USAGE_REPORTED);
    assertThat(pouch.store.onlyRecord().streamed()).isTrue();
    assertThat(pouch.store.onlyRecord().completionTokens()).isEqualTo(15);
    assertThat(upstream.isClosed()).isTrue();
  }

  @Test
  void anUpstreamGoingPastTheCapIsCutAndChargedWithinItsReservation() {
    long tokensPerChunk = 8;
    FakeStream upstream = FakeStream.billingPrompt(PROMPT).chunks(6, tokensPerChunk);

    List<String> received = drain(send(upstream));

    long producedAtCut = (MAX_TOKENS / tokensPerChunk + 1) * tokensPerChunk;
    List<String> sent = texts(upstream.sent());
    assertThat(upstream.completionTokens())
        .as("nothing read past the cut")
        .isEqualTo(producedAtCut);
    assertThat(received)
        .as("chunks within the cap, then the trailer")
        .containsExactly(sent.get(0), sent.get(1), text(FakeStream.CUT_TRAILER));
    assertThat(upstream.isClosed()).isTrue();
    // Only a count of what arrived is known: the upstream may have produced more before the cut
    // reached it, so the whole reservation (cap plus margin) is charged.
    assertThat(micros(PROMPT, producedAtCut)).isLessThanOrEqualTo(reservationFor(MAX_TOKENS));
    assertSettledOnce(reservationFor(MAX_TOKENS), SettlementBasis.CAPPED);
    RequestRecord record = pouch.store.onlyRecord();
    assertThat(record.overrunMicros()).isZero();
  }

  @Test
  void anUpstreamBreakingOffEndsWithAnErrorEventThenTheTrailerAndIsSettledOnce() {
    FakeStream upstream = FakeStream.billingPrompt(PROMPT).chunks(2, 5).breakOff("reset by peer");

    List<String> received = drain(send(upstream));

    assertThat(received).hasSize(4);
    assertThat(received.subList(0, 2)).containsExactlyElementsOf(texts(upstream.sent()));
    assertThat(received.get(2)).startsWith("data: {\"error\"");
    assertThat(received.get(3)).isEqualTo(text(FakeStream.CUT_TRAILER));
    assertThat(upstream.isClosed()).isTrue();
    assertSettledOnce(reservationFor(MAX_TOKENS), SettlementBasis.FULL_RESERVATION);
    assertThat(pouch.store.onlyRecord().errorCode()).isNotNull();
  }

  @Test
  void aClientLeavingBeforeTheEndSettlesOnceAndClosesTheUpstream() {
    FakeStream upstream = FakeStream.billingPrompt(PROMPT).chunks(5, 2);
    ResponseStream stream = send(upstream);
    stream.next();

    stream.close();

    assertThat(upstream.isClosed()).isTrue();
    assertSettledOnce(reservationFor(MAX_TOKENS), SettlementBasis.FULL_RESERVATION);
    assertThat(stream.next()).as("a closed stream is over").isNull();
  }

  @Test
  void aClientLeavingAfterTheUsageArrivedPaysTheReportedUsage() {
    FakeStream upstream = FakeStream.billingPrompt(PROMPT).chunks(2, 5);
    ResponseStream stream = send(upstream);
    for (int i = 0; i < 3; i++) { // two chunks and the usage chunk
      stream.next();
    }

    stream.close();

    assertSettledOnce(micros(PROMPT, 10), SettlementBasis.USAGE_REPORTED);
  }

  @Test
  void closingTwiceSettlesOnce() {
    ResponseStream stream = send(FakeStream.billingPrompt(PROMPT).chunks(5, 2));

    stream.close();
    stream.close();

    assertSettledOnce(reservationFor(MAX_TOKENS), SettlementBasis.FULL_RESERVATION);
  }

  @Test
  void closingAfterTheEndDoesNotSettleAgain() {
    FakeStream upstream = FakeStream.billingPrompt(PROMPT).chunks(2, 5);
    ResponseStream stream = send(upstream);
    drain(stream);

    stream.close();
    stream.close();

    assertSettledOnce(micros(PROMPT, 10), SettlementBasis.USAGE_REPORTED);
    assertThat(stream.next()).isNull();
  }

  @Test
  void closingFromAnotherThreadReleasesAReaderBlockedOnASilentUpstream() throws Exception {
    FakeStream upstream = FakeStream.billingPrompt(PROMPT).chunks(1, 5).hangUntilClosed();
    ResponseStream stream = send(upstream);
    CompletableFuture<List<String>> reader = CompletableFuture.supplyAsync(() -> drain(stream));
    upstream.awaitHanging();

    stream.close();

    assertThat(reader.get(30, TimeUnit.SECONDS)).hasSize(1);
    assertThat(upstream.isClosed()).isTrue();
    assertSettledOnce(reservationFor(MAX_TOKENS), SettlementBasis.FULL_RESERVATION);
  }

  @Test
  void aStreamWithoutUsageIsChargedWhatTheProviderCounted() {
    FakeStream upstream = FakeStream.billingPrompt(PROMPT).chunks(2, 5).withoutUsage();

    drain(send(upstream));

    // The count of what streamed is the provider's own metering: it is charged as counted.
    assertSettledOnce(micros(PROMPT, 10), SettlementBasis.COUNTED);
  }

  private void assertSettledOnce(long cost, SettlementBasis basis) {
    Budget budget = pouch.budget(key);
    assertThat(budget.reservedMicros()).isZero();
    assertThat(budget.spentMicros()).isEqualTo(cost);
    RequestRecord record = pouch.store.onlyRecord();
    assertThat(record.basis()).isEqualTo(basis);
    assertThat(record.costMicros()).isEqualTo(cost);
  }

  private static List<String> prepend(String first, List<String> rest) {
    List<String> all = new ArrayList<>();
    all.add(first);
    all.addAll(rest);
    return all;
  }

  private static List<String> texts(List<byte[]> chunks) {
    return chunks.stream().map(StreamingTest::text).toList();
  }

  private static String text(byte[] chunk) {
    return new String(chunk, StandardCharsets.UTF_8);
  }
}
