package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import okhttp3.Call;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * An OpenAI server-sent-event stream on its way to the client, one whole event per {@link #next()}
 * as soon as the upstream sent it. A tap meters every event: the upstream's usage chunk when it
 * comes (Pouch always asks for it), and a count of the generated tokens meanwhile. A client that
 * did not ask for usage sees the stream without it.
 */
final class OpenAiStream implements UpstreamStream {
  /** No honest SSE line is this long; a longer one is a broken or hostile upstream. */
  private static final long MAX_LINE = 16L << 20;

  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
  private static final String NULL_USAGE = ",\"usage\":null";

  /** Output text kept for a later count before it is counted at once (bounds the memory). */
  private static final long MAX_UNCOUNTED_CHARS = 16_384;

  private final Call call;
  private final Response response;
  private final BufferedSource source;
  private final TokenCounter tokens;
  private final TokenEncoding encoding;
  private final boolean reasoning;
  private final LongSupplier promptCount;
  private long promptEstimate = -1; // counted once, when needed
  private final boolean clientWantsUsage;

  /**
   * Output texts not counted yet: counted only if the upstream sends no usage (it usually does).
   */
  private final List<String> uncounted = new ArrayList<>(); // guarded by this

  private long uncountedChars; // guarded by this
  private long counted; // guarded by this
  private ChunkFacts lastFacts; // only the reading thread
  private String lastData; // only the reading thread
  private final AtomicLong deltasWithOutput = new AtomicLong();
  private volatile Usage reported;
  private volatile boolean ended;

  OpenAiStream(
      Call call,
      Response response,
      TokenCounter tokens,
      PricedModel priced,
      LongSupplier promptCount,
      boolean clientWantsUsage) {
    this.call = call;
    this.response = response;
    this.source = response.body().source();
    this.tokens = tokens;
    this.encoding = priced == null ? TokenEncoding.BYTES : priced.encoding();
    this.reasoning = priced != null && priced.reasoning();
    this.promptCount = promptCount;
    this.clientWantsUsage = clientWantsUsage;
  }

  @Override
  public byte[] next() throws IOException {
    while (!ended) {
      String event = readEvent();
      if (event == null) {
        ended = true;
        return null;
      }
      String forwarded = meter(event);
      if (forwarded != null) {
        return (forwarded + "\n").getBytes(StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  /** The next event's lines (each ending in a newline), or null at the end of the stream. */
  private String readEvent() throws IOException {
    StringBuilder event = new StringBuilder();
    while (true) {
      if (source.exhausted()) {
        return event.length() == 0 ? null : event.toString();
      }
      String line;
      try {
        line = source.readUtf8LineStrict(MAX_LINE);
      } catch (EOFException lastLineWithoutNewline) {
        line = source.readUtf8();
      }
      if (line.isEmpty()) {
        if (event.length() > 0) {
          return event.toString();
        }
        continue; // stray blank lines between events
      }
      event.append(line).append('\n');
    }
  }

  /**
   * Meters one event and returns what the client should get: the event, the event without the usage
   * Pouch added, or null to drop it (the usage-only chunk the client did not ask for).
   */
  private String meter(String event) throws IOException {
    lastFacts = null;
    lastData = null;
    String data = data(event);
    if (data == null || !data.startsWith("{")) {
      return event;
    }
    ChunkFacts facts = ChunkFacts.parse(data);
    lastFacts = facts;
    lastData = data;
    if (facts.usage() != null) {
      OpenAiUsage.reported(facts.usage()).ifPresent(usage -> reported = usage);
    }
    keep(facts.outputs());
    deltasWithOutput.addAndGet(facts.choicesWithOutput());
    if (clientWantsUsage) {
      return event;
    }
    if (facts.usageOnly()) {
      return null;
    }
    if (facts.namesUsage() && event.contains(NULL_USAGE)) {
      return event.replace(NULL_USAGE, "");
    }
    return event;
  }

  /**
   * The facts of the event {@link #next()} returned last, or null if its data was not JSON: the
   * assembler of a plain answer takes a simple chunk's deltas from them. Only for the reading
   * thread.
   */
  ChunkFacts lastFacts() {
    return lastFacts;
  }

  /** The JSON data of the event {@link #next()} returned last (with {@link #lastFacts()}). */
  String lastData() {
    return lastData;
  }

  /**
   * Keeps a chunk's output texts (never empty ones) to count later. Counting each delta as it comes
   * (o200k, a regex per call) cost more than the rest of the metering together, and the count is
   * needed only when the stream ends without the upstream's usage. Each delta is still counted on
   * its own, as before: a delta is usually one generated token, and counting the joined text could
   * come out lower than what was generated.
   */
  private synchronized void keep(List<String> texts) {
    for (String text : texts) {
      uncounted.add(text);
      uncountedChars += text.length();
    }
    if (uncountedChars > MAX_UNCOUNTED_CHARS) {
      countKept(); // bounds the memory a long answer holds
    }
  }

  private synchronized long countKept() {
    for (String text : uncounted) {
      counted += tokens.count(text, encoding);
    }
    uncounted.clear();
    uncountedChars = 0;
    return counted;
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
    return new Usage(promptEstimate(), 0, countKept(), source);
  }

  /** The prompt's count, made only when the upstream reported no usage (it usually does). */
  private synchronized long promptEstimate() {
    if (promptEstimate < 0) {
      promptEstimate = promptCount.getAsLong();
    }
    return promptEstimate;
  }

  /**
   * Reported usage once it came; until then the number of deltas that carried output. Each holds at
   * least one token, so an honest upstream is never cut, whatever tokenizer it uses (a count with a
   * guessed tokenizer could exceed its true usage). An upstream that packs many tokens into one
   * delta is cut later; the charge is still bounded by the reservation's margin only if it sends a
   * few tokens per delta, as OpenAI-compatible servers do.
   */
  @Override
  public long producedAtLeast() {
    Usage usage = reported;
    return usage != null ? usage.completionTokens() : deltasWithOutput.get();
  }

  @Override
  public byte[] cutTrailer() {
    return DONE.clone();
  }

  @Override
  public byte[] errorEvent(String message) {
    ObjectNode error = OpenAiProvider.MAPPER.createObjectNode();
    ObjectNode body = error.putObject("error");
    body.put("message", message);
    body.put("type", "upstream_error");
    body.put("code", "upstream_error");
    body.putNull("param");
    return ("data: " + error + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Cancels the upstream call first, so closing does not drain the rest of the answer. */
  @Override
  public void close() {
    ended = true;
    call.cancel();
    response.close();
  }
}
