package dev.pouch.adapters.anthropic;

import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.UpstreamException;
import dev.pouch.domain.provider.ProviderResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One POST to Anthropic's {@code /v1/messages}: the key's {@code x-api-key}, the client's {@code
 * anthropic-version} (else {@value #DEFAULT_VERSION}) and {@code anthropic-beta}, Pouch's request
 * id; failures told apart (refunded only when the body never reached the connection, D28); a
 * redirect refused (charged: the upstream may have processed the POST); an error answer passed
 * through as it is, in Anthropic's own shape.
 */
final class AnthropicHttp {
  private static final Logger log = LoggerFactory.getLogger(AnthropicHttp.class);
  private static final MediaType JSON = MediaType.get("application/json");

  /** The API version sent when the client names none. */
  static final String DEFAULT_VERSION = "2023-06-01";

  /** Plain answers declaring more than this are refused (as the openai adapter's). */
  private static final long MAX_ANSWER_BODY = 64L << 20;

  /** Upstream error bodies larger than this are cut. */
  private static final long MAX_ERROR_BODY = 1 << 20;

  /** Upstream headers a client may want: Anthropic's request id, retry advice. */
  private static final String[] PASSED_HEADERS = {
    "request-id", "retry-after", "x-should-retry", "anthropic-organization-id"
  };

  private final HttpUrl messagesUrl;
  private final HttpUrl countUrl;
  private final String apiKey;
  private final OkHttpClient client;

  AnthropicHttp(HttpUrl base, String apiKey, OkHttpClient client) {
    this.messagesUrl = base.newBuilder().addPathSegments("v1/messages").build();
    this.countUrl = base.newBuilder().addPathSegments("v1/messages/count_tokens").build();
    this.apiKey = apiKey;
    this.client = client;
  }

  /** Reads a successful answer; a stream it returns owns the response from then on. */
  interface AnswerReader {
    ProviderResponse read(Call call, Response response) throws IOException;
  }

  /**
   * Posts {@code body} and reads the answer.
   *
   * @param stream whether the body asks for a stream (the {@code Accept} header says so)
   * @param headers the client's {@code anthropic-version} and {@code anthropic-beta}
   * @throws UpstreamException when the upstream cannot be reached, breaks off or times out
   */
  ProviderResponse post(
      byte[] body,
      boolean stream,
      String requestId,
      Map<String, String> headers,
      AnswerReader reader) {
    Request.Builder builder =
        new Request.Builder()
            .url(messagesUrl)
            .header("x-api-key", apiKey)
            .header("anthropic-version", headers.getOrDefault("anthropic-version", DEFAULT_VERSION))
            .header("Accept", stream ? "text/event-stream" : "application/json")
            .header("X-Request-Id", requestId)
            .post(RequestBody.create(body, JSON));
    String beta = headers.get("anthropic-beta");
    if (beta != null) {
      builder.header("anthropic-beta", beta);
    }
    BodyWritten written = BodyWritten.tag(builder);
    Call call = client.newCall(builder.build());
    Response response;
    try {
      response = call.execute();
    } catch (InterruptedIOException timeout) {
      throw failure(
          written, ErrorCode.UPSTREAM_TIMEOUT, "The upstream did not answer in time.", timeout);
    } catch (IOException unreachable) {
      log.atWarn()
          .addKeyValue("upstream", messagesUrl.host())
          .addKeyValue("reason", unreachable.toString())
          .addKeyValue("request_sent", written.mayHaveReachedUpstream())
          .log("upstream unreachable");
      throw failure(
          written,
          ErrorCode.UPSTREAM_UNREACHABLE,
          written.mayHaveReachedUpstream()
              ? "The upstream closed the connection before answering."
              : "The upstream could not be reached.",
          unreachable);
    }
    boolean handedOver = false;
    try {
      if (response.code() >= 300 && response.code() < 400) {
        throw new UpstreamException(
            ErrorCode.UPSTREAM_UNREACHABLE,
            "The upstream answered with a redirect, which Pouch does not follow.",
            null);
      }
      if (!response.isSuccessful()) {
        return passThroughError(response);
      }
      ProviderResponse answer = reader.read(call, response);
      handedOver = !(answer instanceof ProviderResponse.Complete);
      return answer;
    } catch (InterruptedIOException timeout) {
      throw new UpstreamException(
          ErrorCode.UPSTREAM_TIMEOUT, "The upstream did not finish its answer in time.", timeout);
    } catch (IOException broken) {
      throw new UpstreamException(
          ErrorCode.UPSTREAM_UNREACHABLE, "The upstream broke off its answer.", broken);
    } finally {
      if (!handedOver) {
        response.close();
      }
    }
  }

  /**
   * Posts {@code body} to the free token counter and returns its answer as it is (errors passed
   * through); nothing is billed, so a failure is only reported.
   *
   * @throws UpstreamException when the upstream cannot be reached or times out
   */
  ProviderResponse.Complete countTokens(byte[] body, Map<String, String> headers) {
    Request.Builder builder =
        new Request.Builder()
            .url(countUrl)
            .header("x-api-key", apiKey)
            .header("anthropic-version", headers.getOrDefault("anthropic-version", DEFAULT_VERSION))
            .header("Accept", "application/json")
            .post(RequestBody.create(body, JSON));
    String beta = headers.get("anthropic-beta");
    if (beta != null) {
      builder.header("anthropic-beta", beta);
    }
    try (Response response = client.newCall(builder.build()).execute()) {
      if (response.code() >= 300 && response.code() < 400) {
        throw new UpstreamException(
            ErrorCode.UPSTREAM_UNREACHABLE,
            "The upstream answered with a redirect, which Pouch does not follow.",
            null);
      }
      if (!response.isSuccessful()) {
        return (ProviderResponse.Complete) passThroughError(response);
      }
      return new ProviderResponse.Complete(
          response.code(),
          headers(response, "application/json"),
          response.body().bytes(),
          Usage.UNKNOWN);
    } catch (InterruptedIOException timeout) {
      throw new UpstreamException(
          ErrorCode.UPSTREAM_TIMEOUT, "The upstream did not answer in time.", timeout);
    } catch (IOException unreachable) {
      throw new UpstreamException(
          ErrorCode.UPSTREAM_UNREACHABLE, "The upstream could not be reached.", unreachable);
    }
  }

  /**
   * A plain answer's body, whole.
   *
   * @throws IOException when it declares more than {@value #MAX_ANSWER_BODY} bytes or breaks off
   */
  static byte[] answerBody(Response response) throws IOException {
    if (response.body().contentLength() > MAX_ANSWER_BODY) {
      throw new IOException("the upstream's answer is larger than " + MAX_ANSWER_BODY + " bytes");
    }
    return response.body().bytes();
  }

  private static UpstreamException failure(
      BodyWritten written, ErrorCode code, String message, IOException cause) {
    return written.mayHaveReachedUpstream()
        ? new UpstreamException(code, message, cause)
        : UpstreamException.beforeSending(code, message, cause);
  }

  /**
   * Anthropic's error answer as it is (its status, its {@code {"type":"error",…}} body): a 4xx is
   * the upstream's refusal (refunded), a 5xx or 529 may have been processed (charged).
   */
  private static ProviderResponse passThroughError(Response response) throws IOException {
    BufferedSource source = response.body().source();
    source.request(MAX_ERROR_BODY);
    byte[] body =
        source.getBuffer().size() > MAX_ERROR_BODY
            ? source.getBuffer().readByteArray(MAX_ERROR_BODY)
            : source.getBuffer().readByteArray();
    return new ProviderResponse.Complete(
        response.code(), headers(response, "application/json"), body, Usage.UNKNOWN);
  }

  /** The headers passed to the client: the content type and {@link #PASSED_HEADERS}. */
  static Map<String, String> headers(Response response, String contentType) {
    Map<String, String> headers = new LinkedHashMap<>();
    String type = response.header("Content-Type");
    headers.put("Content-Type", type == null ? contentType : type);
    for (String name : PASSED_HEADERS) {
      String value = response.header(name);
      if (value != null) {
        headers.put(name, value);
      }
    }
    return headers;
  }
}
