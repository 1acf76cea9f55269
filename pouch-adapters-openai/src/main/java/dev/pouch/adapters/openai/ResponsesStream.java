package dev.pouch.adapters.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;
import dev.pouch.domain.error.ErrorJson;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import okhttp3.Call;
import okhttp3.Response;

/**
 * A Responses API event stream ({@code event: response.…} + {@code data: {"type":…,
 * "sequence_number":…}}) on its way to the client, one whole event per {@link #next()}, forwarded
 * unchanged. Its meter reads every event:
 *
 * <ul>
 *   <li>output: every {@code *.delta} event with text ({@code response.output_text.delta}, {@code
 *       response.refusal.delta}, {@code response.function_call_arguments.delta}, {@code
 *       response.reasoning_summary_text.delta} …) counts as at least one token for {@link
 *       #producedAtLeast()}, and its text is kept for a count if no usage comes;
 *   <li>usage: the {@code response.usage} of {@code response.completed}, {@code
 *       response.incomplete} or {@code response.failed};
 *   <li>the end: the answer is finished only after {@code response.completed} or {@code
 *       response.incomplete}, with no {@code error} event; a {@code response.failed} or an {@code
 *       error} event is a stream that broke off (charged its usage, else the full reservation).
 * </ul>
 *
 * The events relayed also build the answer ({@link ResponsesAnswer}), so that a cut ends with a
 * {@code response.incomplete} event holding what the client got; a plain answer's assembler builds
 * its own from the events it is given ({@link #lastEvent()}).
 */
final class ResponsesStream implements UpstreamStream {
  /** No honest SSE event is this long; a longer one is a broken or hostile upstream. */
  private static final long MAX_EVENT = 16L << 20;

  /** Events metered from the buffer when the stream is closed, at most (bounds the work). */
  private static final int MAX_DRAINED_EVENTS = 10_000;

  private static final byte[] NOTHING = new byte[0];

  private final Call call;
  private final Response response;
  private final SseEventReader events;
  private final KeptOutput output;
  private final boolean hiddenOutput;
  private final LongSupplier promptCount;
  private long promptEstimate = -1; // counted once, when needed; guarded by this
  private final ResponsesAnswer relayed = new ResponsesAnswer();
  private JsonNode lastEvent; // the data of the event next() returned last; the reading thread
  private JsonNode unrelayed; // that event until the next pull shows it was relayed
  private final AtomicLong deltasWithOutput = new AtomicLong();
  private volatile Usage reported;
  private volatile String answerId; // the response's id, from the first event that carries it
  private volatile boolean ended;
  private volatile boolean completed;
  private volatile boolean failed;
  private volatile boolean endedByUpstream; // its body ended, or broke off

  /** Held by the thread reading the stream; {@link #close()} meters what is buffered if free. */
  private final ReentrantLock reading = new ReentrantLock();

  /**
   * @param hiddenOutput whether the upstream may bill output it does not stream (reasoning)
   * @param promptCount the prompt's count, asked for only when the upstream reports no usage
   */
  ResponsesStream(
      Call call,
      Response response,
      TokenCounter tokens,
      PricedModel priced,
      LongSupplier promptCount,
      boolean hiddenOutput) {
    this.call = call;
    this.response = response;
    this.events = new SseEventReader(response.body().source(), MAX_EVENT);
    this.output = new KeptOutput(tokens, priced == null ? TokenEncoding.BYTES : priced.encoding());
    this.hiddenOutput = hiddenOutput;
    this.promptCount = promptCount;
  }

  @Override
  public byte[] next() throws IOException {
    reading.lock();
    try {
      if (unrelayed != null) {
        relayed.accept(unrelayed); // pulled again: the core passed the last event on
        unrelayed = null;
      }
      if (ended) {
        return null;
      }
      lastEvent = null;
      byte[] event;
      try {
        event = events.next();
      } catch (IOException broken) {
        endedByUpstream = true;
        throw broken;
      }
      if (event == null) {
        ended = true;
        endedByUpstream = true;
        return null;
      }
      lastEvent = meter(event);
      unrelayed = lastEvent;
      return event;
    } finally {
      reading.unlock();
    }
  }

  /**
   * The data of the event {@link #next()} returned last, or null if it was not JSON: a plain
   * answer's assembler reads it instead of parsing the event again. Only for the reading thread.
   */
  JsonNode lastEvent() {
    return lastEvent;
  }

  /** Meters what already arrived but was not read (see {@link OpenAiStream}); never waits. */
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

  /** Meters one event; returns its data, or null if it has no JSON data. */
  private JsonNode meter(byte[] bytes) {
    String data = OpenAiStream.data(new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8));
    if (data == null || !data.startsWith("{")) {
      return null; // a comment or keep-alive
    }
    JsonNode event;
    try {
      event = OpenAiProvider.MAPPER.readTree(data);
    } catch (IOException notJson) {
      return null; // forwarded as it is; nothing to meter
    }
    String type = event.path("type").asText("");
    JsonNode id = event.path("response").get("id");
    if (answerId == null && id != null && id.isTextual()) {
      answerId = id.asText();
    }
    switch (type) {
      case "error" -> failed = true;
      case "response.completed", "response.incomplete" -> {
        completed = true;
        readUsage(event);
      }
      case "response.failed" -> {
        failed = true;
        readUsage(event);
      }
      default -> {
        JsonNode delta = event.get("delta");
        if (type.endsWith(".delta") && delta != null && delta.isTextual()) {
          String text = delta.asText();
          if (!text.isEmpty()) {
            deltasWithOutput.incrementAndGet();
            output.keep(text);
          }
        }
      }
    }
    return event;
  }

  private void readUsage(JsonNode event) {
    OpenAiUsage.reported(event.path("response").get("usage"), OpenAiUsage.UsageFields.RESPONSES)
        .ifPresent(usage -> reported = usage);
  }

  /**
   * The upstream's usage once a terminal event carried it; until then what streamed, counted. A
   * reasoning model's hidden tokens cannot be counted: a stream of one that ended without usage is
   * unknown (and charged in full).
   */
  /** The response's {@code resp_…} id, from {@code response.created} (or a later event). */
  @Override
  public Optional<String> answerId() {
    return Optional.ofNullable(answerId);
  }

  @Override
  public Usage usage() {
    Usage usage = reported;
    if (usage != null) {
      return usage;
    }
    UsageSource source = ended && hiddenOutput ? UsageSource.UNKNOWN : UsageSource.COUNTED;
    return new Usage(promptEstimate(), 0, output.count(), source);
  }

  private synchronized long promptEstimate() {
    if (promptEstimate < 0) {
      promptEstimate = promptCount.getAsLong();
    }
    return promptEstimate;
  }

  /** Deltas with output: each holds at least one token (see {@link OpenAiStream}). */
  @Override
  public long producedAtLeast() {
    return deltasWithOutput.get();
  }

  @Override
  public boolean finished() {
    return completed && !failed;
  }

  @Override
  public boolean streamsEveryOutputToken() {
    return !hiddenOutput;
  }

  /**
   * For a stream Pouch cut at the cap: a {@code response.incomplete} event with what the client got
   * ({@code incomplete_details.reason "max_output_tokens"}), which ends the stream for a Responses
   * client. Nothing for a stream that ended or broke off on its own: the error event Pouch sends
   * then already ends it (a Responses stream has no {@code [DONE]}).
   */
  @Override
  public byte[] cutTrailer() {
    if (endedByUpstream) {
      return NOTHING.clone();
    }
    ObjectNode event = OpenAiProvider.MAPPER.createObjectNode();
    event.put("type", "response.incomplete");
    event.put("sequence_number", relayed.nextSequence());
    event.set("response", relayed.incomplete(null));
    return ("event: response.incomplete\ndata: " + event + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] errorEvent(String message) {
    return ErrorJson.responsesErrorEvent("upstream_error", message, relayed.nextSequence());
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
