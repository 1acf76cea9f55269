package dev.pouch.adapters.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.budget.UsageSource;

/**
 * The meter of one Messages stream, event by event: {@code message_start} carries the input usage
 * ({@code input_tokens}, the cache writes and reads), each {@code content_block_delta} with text,
 * thinking or tool input is at least one output token, {@code message_delta} carries the cumulative
 * {@code output_tokens} and, with its {@code stop_reason}, says the usage is final, and {@code
 * message_stop} says the answer is complete. Usage is read strictly (D26): a count that is not a
 * whole, non-negative number, a cache-write breakdown that does not add up, or a cache write on a
 * request that asked for none reads as {@link #MALFORMED}, which settlement cannot take for true
 * (charged the full reservation). Used by one thread.
 */
final class MessagesMeter {
  /** What a malformed count stands for: more than any request can bill. */
  static final long MALFORMED = Long.MAX_VALUE;

  private final boolean mayWriteCache;
  private JsonNode inputUsage;
  private JsonNode finalUsage;
  private long produced;
  private boolean started;
  private boolean stopped;
  private boolean errored;
  private int openBlock = -1;

  /**
   * @param mayWriteCache whether the request carries {@code cache_control}: cache writes reported
   *     for a request without it were not reserved for, and are not trusted
   */
  MessagesMeter(boolean mayWriteCache) {
    this.mayWriteCache = mayWriteCache;
  }

  /** Meters one event's parsed data. */
  void accept(JsonNode event) {
    String type = event.path("type").asText("");
    switch (type) {
      case "message_start":
        started = true;
        inputUsage = event.path("message").path("usage");
        break;
      case "content_block_start":
        openBlock = event.path("index").asInt(-1);
        break;
      case "content_block_delta":
        if (hasOutput(event.path("delta"))) {
          produced++;
        }
        break;
      case "content_block_stop":
        openBlock = -1;
        break;
      case "message_delta":
        if (!event.path("delta").path("stop_reason").isMissingNode()
            && !event.path("delta").path("stop_reason").isNull()) {
          finalUsage = event.path("usage");
        }
        break;
      case "message_stop":
        stopped = true;
        break;
      case "error":
        errored = true;
        break;
      default:
        break; // ping, and events Pouch does not know: forwarded, not metered
    }
  }

  /** A delta that carries generated output: non-empty text, thinking or tool input. */
  private static boolean hasOutput(JsonNode delta) {
    for (String field : new String[] {"text", "thinking", "partial_json"}) {
      JsonNode value = delta.get(field);
      if (value != null && value.isTextual() && !value.asText().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** Deltas with output so far: a lower bound of the output tokens produced. */
  long producedAtLeast() {
    return produced;
  }

  boolean started() {
    return started;
  }

  /** Whether {@code message_stop} arrived and no {@code error} event. */
  boolean finished() {
    return stopped && !errored;
  }

  /** The index of the content block started and not stopped yet, or -1. */
  int openBlock() {
    return openBlock;
  }

  /**
   * The usage the upstream reported, once its final {@code message_delta} arrived; {@link
   * Usage#UNKNOWN} before (an early count could miss what came after it).
   */
  Usage usage() {
    if (finalUsage == null || inputUsage == null) {
      return Usage.UNKNOWN;
    }
    return read(inputUsage, finalUsage, mayWriteCache);
  }

  /**
   * Usage from a {@code message_start}'s usage and the final {@code message_delta}'s (which may
   * repeat the input counts; the later ones win), or a plain answer's one usage object given twice.
   */
  static Usage read(JsonNode start, JsonNode end, boolean mayWriteCache) {
    long input = count(pick(start, end, "input_tokens"));
    long read = optional(pick(start, end, "cache_read_input_tokens"));
    long written = optional(pick(start, end, "cache_creation_input_tokens"));
    JsonNode split = pick(start, end, "cache_creation");
    long write5m;
    long write1h;
    if (split == null || split.isNull()) {
      write5m = 0;
      write1h = written; // the lifetime unknown: the dearer one
    } else {
      write5m = optional(split.get("ephemeral_5m_input_tokens"));
      write1h = optional(split.get("ephemeral_1h_input_tokens"));
      if (write5m != MALFORMED && write1h != MALFORMED && write5m + write1h != written) {
        written = MALFORMED;
      }
    }
    long output = count(end.get("output_tokens"));
    long prompt = sum(sum(input, read), sum(write5m, write1h));
    if (written == MALFORMED || (!mayWriteCache && written > 0)) {
      prompt = MALFORMED; // not what this request can have written: not trusted
    }
    if (prompt == MALFORMED) {
      return new Usage(MALFORMED, 0, output, UsageSource.REPORTED);
    }
    return new Usage(prompt, read, output, UsageSource.REPORTED, write5m, write1h);
  }

  private static JsonNode pick(JsonNode start, JsonNode end, String field) {
    JsonNode later = end.get(field);
    return later != null && !later.isNull() ? later : start.get(field);
  }

  private static long optional(JsonNode node) {
    return node == null || node.isNull() ? 0 : count(node);
  }

  /** A whole, non-negative count, else {@link #MALFORMED}. */
  static long count(JsonNode node) {
    if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
      return MALFORMED;
    }
    long value = node.asLong();
    return value < 0 ? MALFORMED : value;
  }

  private static long sum(long a, long b) {
    return a == MALFORMED || b == MALFORMED || a + b < 0 ? MALFORMED : a + b;
  }
}
