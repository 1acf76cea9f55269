package dev.pouch.adapters.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.error.ErrorJson;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import okhttp3.Call;
import okhttp3.Response;

/**
 * An OpenAI server-sent-event stream on its way to the client, one whole event per {@link #next()}
 * as soon as the upstream sent it. A tap meters every event: the upstream's usage chunk when it
 * comes (Pouch always asks for it), and a count of the generated tokens meanwhile. A client that
 * did not ask for usage sees the stream without it.
 */
final class OpenAiStream implements UpstreamStream {
  /** No honest SSE event is this long; a longer one is a broken or hostile upstream. */
  private static final long MAX_EVENT = 16L << 20;

  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
  private static final String DONE_DATA = "[DONE]";
  private static final byte[] DONE_BYTES = DONE_DATA.getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NULL_USAGE = ",\"usage\":null".getBytes(StandardCharsets.UTF_8);

  /** Events metered from the buffer when the stream is closed, at most (bounds the work). */
  private static final int MAX_DRAINED_EVENTS = 10_000;

  private final Call call;
  private final Response response;
  private final SseEventReader events;

  /** Whether the upstream may bill output it does not stream (hidden reasoning). */
  private final boolean reasoning;

  private final LongSupplier promptCount;
  private long promptEstimate = -1; // counted once, when needed
  private final boolean clientWantsUsage;

  /** Output texts, counted only if the upstream sends no usage (it usually does). */
  private final KeptOutput output;

  private ChunkFacts lastFacts; // only the reading thread
  // the data of the last event: in lastEvent from lastStart, or lastText; only the reading thread
  private byte[] lastEvent;
  private int lastStart;
  private int lastLength;
  private String lastText;
  private final AtomicLong deltasWithOutput = new AtomicLong();
  private volatile Usage reported;
  private volatile boolean ended;
  // what the upstream said of the answer's end; only the reading thread writes them
  private final int choices;
  private final BitSet finishedChoices = new BitSet();
  private volatile boolean sawDone;
  private volatile boolean sawError;

  /** Held by the thread reading the stream; {@link #close()} meters what is buffered if free. */
  private final ReentrantLock reading = new ReentrantLock();

  /** Where the chunks hold their output: chat deltas, or legacy completions' texts. */
  private final ChunkFacts.Shape shape;

  /** A legacy completion's echoed prompts, which are not output; null when nothing is echoed. */
  private final EchoedPrompts echoed;

  /** A chat completions stream. */
  OpenAiStream(
      Call call,
      Response response,
      TokenCounter tokens,
      PricedModel priced,
      LongSupplier promptCount,
      boolean clientWantsUsage,
      int choices,
      boolean hiddenOutput) {
    this(
        call,
        response,
        tokens,
        priced,
        promptCount,
        clientWantsUsage,
        choices,
        hiddenOutput,
        ChunkFacts.Shape.CHAT,
        null);
  }

  /**
   * A stream of {@code shape}'s chunks.
   *
   * @param choices how many choices the stream returns (each ends with a finish reason)
   * @param hiddenOutput whether the upstream may bill output it does not stream
   * @param echoed the prompts a legacy completion repeats before its output, or null
   */
  OpenAiStream(
      Call call,
      Response response,
      TokenCounter tokens,
      PricedModel priced,
      LongSupplier promptCount,
      boolean clientWantsUsage,
      int choices,
      boolean hiddenOutput,
      ChunkFacts.Shape shape,
      EchoedPrompts echoed) {
    this.shape = shape;
    this.echoed = echoed;
    this.call = call;
    this.choices = choices;
    this.response = response;
    this.events = new SseEventReader(response.body().source(), MAX_EVENT);
    this.output = new KeptOutput(tokens, priced == null ? TokenEncoding.BYTES : priced.encoding());
    this.reasoning = hiddenOutput;
    this.promptCount = promptCount;
    this.clientWantsUsage = clientWantsUsage;
  }

  @Override
  public byte[] next() throws IOException {
    reading.lock();
    try {
      while (!ended) {
        byte[] event = events.next();
        if (event == null) {
          ended = true;
          return null;
        }
        byte[] forwarded = meter(event);
        if (forwarded != null) {
          return forwarded;
        }
      }
      return null;
    } finally {
      reading.unlock();
    }
  }

  /**
   * Meters the events that already arrived but were not read, so that a stream cut or left is
   * charged for every chunk Pouch received, not only those it passed on (an upstream that ignores
   * {@code max_tokens} keeps sending until the cancel reaches it). Never waits for the upstream,
   * and does nothing while another thread is reading.
   */
  private void meterBuffered() {
    if (!reading.tryLock()) {
      return;
    }
    try {
      for (int i = 0; i < MAX_DRAINED_EVENTS && events.hasBufferedEvent(); i++) {
        meter(events.next());
      }
    } catch (IOException | RuntimeException unreadable) {
      // what could not be read is not counted; the charge still errs high (the reservation)
    } finally {
      reading.unlock();
    }
  }

  /**
   * Meters one event and returns what the client should get: the event, the event without the usage
   * Pouch added, or null to drop it (the usage-only chunk the client did not ask for). The usual
   * event, one data line of JSON, is read as bytes; any other goes the way of text.
   */
  private byte[] meter(byte[] event) throws IOException {
    lastFacts = null;
    lastEvent = null;
    lastText = null;
    int start = SseEventReader.singleDataLine(event);
    if (start < 0) {
      return meterText(event);
    }
    int length = event.length - 2 - start;
    if (length == 0 || event[start] != '{') {
      sawDone |= isDone(event, start, length);
      return event;
    }
    if (hasNul(event, start, Math.min(length, 4))) {
      return meterText(event); // Jackson would take the bytes for UTF-16 or UTF-32
    }
    ChunkFacts facts;
    try {
      facts = ChunkFacts.parse(event, start, length, shape);
    } catch (JsonProcessingException notJsonOrNotUtf8) {
      return meterText(event); // text replaces bytes that are not UTF-8, and fails on bad JSON
    }
    lastEvent = event;
    lastStart = start;
    lastLength = length;
    return tap(event, facts);
  }

  /** Whether {@code length} bytes from {@code start} are {@code [DONE]}, spaces around allowed. */
  private static boolean isDone(byte[] event, int start, int length) {
    int from = start;
    int to = start + length;
    while (from < to && event[from] == ' ') {
      from++;
    }
    while (to > from && event[to - 1] == ' ') {
      to--;
    }
    return Arrays.equals(event, from, to, DONE_BYTES, 0, DONE_BYTES.length);
  }

  private static boolean hasNul(byte[] bytes, int from, int count) {
    for (int i = from; i < from + count; i++) {
      if (bytes[i] == 0) {
        return true;
      }
    }
    return false;
  }

  /** Meters an event read as text: several lines, other fields, or bytes that are not UTF-8. */
  private byte[] meterText(byte[] event) throws IOException {
    String data = data(new String(event, 0, event.length - 1, StandardCharsets.UTF_8));
    if (data == null || !data.startsWith("{")) {
      sawDone |= DONE_DATA.equals(data == null ? null : data.strip());
      return event;
    }
    ChunkFacts facts = ChunkFacts.parse(data, shape);
    lastText = data;
    return tap(event, facts);
  }

  private byte[] tap(byte[] event, ChunkFacts facts) throws IOException {
    lastFacts = facts;
    sawError |= facts.namesError();
    for (int index : facts.finishedChoices()) {
      if (index >= 0 && index < choices) { // a hostile index must not grow the set
        finishedChoices.set(index);
      }
    }
    if (facts.usage() != null) {
      OpenAiUsage.reported(facts.usage()).ifPresent(usage -> reported = usage);
    }
    output.keep(facts.outputs());
    deltasWithOutput.addAndGet(
        echoed == null || facts.choicesWithOutput() == 0
            ? facts.choicesWithOutput()
            : echoed.outputChunks(lastDataTree()));
    if (clientWantsUsage) {
      return event;
    }
    if (facts.usageOnly()) {
      return null;
    }
    return facts.namesUsage() ? SseEventReader.withoutAll(event, NULL_USAGE) : event;
  }

  /**
   * The facts of the event {@link #next()} returned last, or null if its data was not JSON: the
   * assembler of a plain answer takes a simple chunk's deltas from them. Only for the reading
   * thread.
   */
  ChunkFacts lastFacts() {
    return lastFacts;
  }

  /** The JSON data of the event {@link #next()} returned last as a tree (with its facts). */
  JsonNode lastDataTree() throws IOException {
    return lastText != null
        ? OpenAiProvider.MAPPER.readTree(lastText)
        : OpenAiProvider.MAPPER.readTree(lastEvent, lastStart, lastLength);
  }

  /** The event's data (several data lines joined by newlines), or null if it has none. */
  static String data(String event) {
    StringBuilder data = null;
    for (String line : event.split("\n")) {
      if (line.startsWith("data:")) {
        String value = line.substring(line.startsWith("data: ") ? 6 : 5);
        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      }
    }
    return data == null ? null : data.toString();
  }

  /**
   * The upstream's usage once it arrived; until then what streamed, counted. A reasoning model's
   * hidden tokens cannot be counted: a stream of one that ended without usage is unknown (and
   * charged in full).
   */
  @Override
  public Usage usage() {
    Usage usage = reported;
    if (usage != null) {
      return usage;
    }
    UsageSource source = ended && reasoning ? UsageSource.UNKNOWN : UsageSource.COUNTED;
    return new Usage(promptEstimate(), 0, output.count(), source);
  }

  @Override
  public boolean streamsEveryOutputToken() {
    return !reasoning;
  }

  /** The prompt's count, made only when the upstream reported no usage (it usually does). */
  private synchronized long promptEstimate() {
    if (promptEstimate < 0) {
      promptEstimate = promptCount.getAsLong();
    }
    return promptEstimate;
  }

  /**
   * The number of deltas that carried output (a legacy completion's echoed prompt is not output:
   * see {@link EchoedPrompts}). Each holds at least one token, so an honest upstream is never cut,
   * whatever tokenizer it uses (a count with a guessed tokenizer could exceed its true usage), and
   * the charge never counts fewer. Reported usage is not used here: it is what settlement checks
   * against this bound, and a broken upstream may report anything. An upstream that packs many
   * tokens into one delta is cut later; the charge is still bounded by the reservation's margin
   * only if it sends a few tokens per delta, as OpenAI-compatible servers do.
   */
  @Override
  public long producedAtLeast() {
    return deltasWithOutput.get();
  }

  /**
   * The upstream said the answer is complete ({@code [DONE]}, its usage, or a finish reason on
   * every choice) and sent no error event. A stream that ends otherwise broke off.
   */
  @Override
  public boolean finished() {
    if (sawError) {
      return false;
    }
    return sawDone || reported != null || finishedChoices.cardinality() >= choices;
  }

  @Override
  public byte[] cutTrailer() {
    return DONE.clone();
  }

  @Override
  public byte[] errorEvent(String message) {
    return ErrorJson.upstreamErrorEvent(message);
  }

  /**
   * Meters what already arrived, then cancels the upstream call before closing the response, so
   * closing does not wait for the rest of the answer.
   */
  @Override
  public void close() {
    ended = true;
    meterBuffered();
    call.cancel();
    response.close();
  }
}
