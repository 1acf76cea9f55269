package dev.pouch.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Reading request bodies (bounded in size and nesting) into JSON trees, and writing JSON. Numbers
 * with a fraction become {@link java.math.BigDecimal}, never double, so prices stay exact.
 */
public final class JsonBodies {
  private static final int MAX_NESTING = 64;
  private static final int MAX_STRING = 16 * 1024 * 1024;
  private static final int MAX_NUMBER_LENGTH = 256;
  private static final int MAX_NAME_LENGTH = 1024;

  /**
   * The largest decimal exponent a number may carry: {@code 1e999999999} is 11 characters but
   * turning it into a whole number would take minutes.
   */
  private static final int MAX_EXPONENT = 1000;

  private final ObjectMapper mapper;
  private final long maxBodyBytes;

  public JsonBodies(long maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
    this.mapper =
        JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
    mapper
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING)
                .maxStringLength(MAX_STRING)
                .maxNumberLength(MAX_NUMBER_LENGTH)
                .maxNameLength(MAX_NAME_LENGTH)
                .build());
  }

  ObjectMapper mapper() {
    return mapper;
  }

  /**
   * The body as a JSON object.
   *
   * @throws RequestRejectedException {@code REQUEST_TOO_LARGE} over the limit, {@code
   *     INVALID_REQUEST} when it is not a JSON object
   */
  public Map<String, Object> readObject(Context ctx) {
    byte[] bytes = readBounded(ctx);
    if (bytes.length == 0) {
      throw RequestRejectedException.invalidRequest(null, "The request body is empty; send JSON.");
    }
    return parseObject(bytes);
  }

  /** As {@link #readObject}, but an empty body is an empty object (optional bodies). */
  public Map<String, Object> readOptionalObject(Context ctx) {
    byte[] bytes = readBounded(ctx);
    return bytes.length == 0 ? Map.of() : parseObject(bytes);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> parseObject(byte[] bytes) {
    Object parsed;
    try {
      parsed = mapper.readValue(bytes, Object.class);
    } catch (JsonProcessingException malformed) {
      throw RequestRejectedException.invalidRequest(
          null,
          "We could not parse the JSON body of your request: "
              + malformed.getOriginalMessage()
              + ". Send a valid JSON object.");
    } catch (IOException unreadable) {
      throw RequestRejectedException.invalidRequest(null, "The request body could not be read.");
    }
    if (!(parsed instanceof Map<?, ?> object)) {
      throw RequestRejectedException.invalidRequest(
          null, "The request body must be a JSON object.");
    }
    checkNumbers(object);
    return (Map<String, Object>) object;
  }

  /** Refuses numbers with an absurd exponent anywhere in the tree (nesting is bounded). */
  private static void checkNumbers(Object node) {
    if (node instanceof Map<?, ?> map) {
      map.values().forEach(JsonBodies::checkNumbers);
    } else if (node instanceof List<?> list) {
      list.forEach(JsonBodies::checkNumbers);
    } else if (node instanceof BigDecimal decimal) {
      if (Math.abs((long) decimal.scale()) > MAX_EXPONENT
          || Math.abs((long) decimal.precision() - decimal.scale()) > MAX_EXPONENT) {
        throw RequestRejectedException.invalidRequest(
            null, "A number in the request body is out of range.");
      }
    }
  }

  private byte[] readBounded(Context ctx) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > maxBodyBytes) {
      discardIfModest(ctx, declared);
      throw tooLarge();
    }
    try (InputStream in = ctx.req().getInputStream()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 1024);
      byte[] buffer = new byte[8192];
      long total = 0;
      int read;
      while ((read = in.read(buffer)) != -1) {
        total += read;
        if (total > maxBodyBytes) {
          throw tooLarge();
        }
        out.write(buffer, 0, read);
      }
      return out.toByteArray();
    } catch (IOException unreadable) {
      throw RequestRejectedException.invalidRequest(null, "The request body could not be read.");
    }
  }

  /**
   * Reads and drops a body that is too large but not absurdly so, before the 413 is sent: closing a
   * connection with unread bytes makes the kernel reset it, and a client still sending its body
   * would then lose the 413 (it sees a broken pipe instead). Far larger bodies are not worth it.
   */
  private void discardIfModest(Context ctx, long declared) {
    if (declared > 2 * maxBodyBytes + 1024 * 1024) {
      return;
    }
    try (InputStream in = ctx.req().getInputStream()) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException clientGone) {
      // nothing to drain any more: the 413 goes out anyway
    }
  }

  private RequestRejectedException tooLarge() {
    return new RequestRejectedException(
        ErrorCode.REQUEST_TOO_LARGE,
        "The request body is larger than the limit of " + maxBodyBytes + " bytes.");
  }

  /** Writes {@code value} as the JSON response body with {@code status}. */
  public void write(Context ctx, int status, Object value) {
    try {
      ctx.status(status).contentType("application/json").result(mapper.writeValueAsBytes(value));
    } catch (JsonProcessingException bug) {
      throw new IllegalStateException("response not serializable", bug);
    }
  }
}
