package dev.pouch.adapters.openai;

import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.ErrorJson;
import dev.pouch.domain.error.UpstreamException;
import dev.pouch.domain.provider.AnswerAssembler;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One POST to the upstream, the same for every API: the key's credentials, Pouch's request id, the
 * failures told apart (refunded only when the body never reached the connection, G11), a redirect
 * refused, an error answer passed through with its body, and the headers worth passing on. The
 * API's {@link AnswerReader} reads a successful answer.
 */
final class OpenAiHttp {
  private static final Logger log = LoggerFactory.getLogger(OpenAiHttp.class);
  private static final MediaType JSON = MediaType.get("application/json");

  /** Upstream error bodies larger than this are cut: they are passed to the client as they are. */
  private static final long MAX_ERROR_BODY = 1 << 20;

  /** A plain answer larger than this is refused: it cannot be an honest answer. */
  static final long MAX_ANSWER_BODY = 64L << 20;

  private final UpstreamEndpoint endpoint;
  private final OkHttpClient client;

  OpenAiHttp(UpstreamEndpoint endpoint, OkHttpClient client) {
    this.endpoint = endpoint;
    this.client = client;
  }

  /** Reads a successful (2xx) answer; a stream it returns owns the response from then on. */
  interface AnswerReader {
    ProviderResponse read(Call call, Response response) throws IOException;
  }

  /**
   * Posts {@code body} to {@code path} and reads the answer.
   *
   * @param model the model the body names (Azure addresses some APIs by its deployment)
   * @param stream whether the request asks for a stream (the {@code Accept} header)
   * @throws UpstreamException when the upstream cannot be reached, breaks off or times out
   */
  ProviderResponse post(
      String path,
      String model,
      String requestId,
      byte[] body,
      boolean stream,
      AnswerReader reader) {
    Request.Builder builder =
        endpoint
            .request(path, model)
            .header("Accept", stream ? "text/event-stream" : "application/json")
            .header("X-Request-Id", requestId)
            .post(RequestBody.create(body, JSON));
    RequestSent sent = RequestSent.tag(builder);
    Call call = client.newCall(builder.build());
    Response response;
    try {
      response = call.execute();
    } catch (InterruptedIOException timeout) {
      throw failure(
          sent, ErrorCode.UPSTREAM_TIMEOUT, "The upstream did not answer in time.", timeout);
    } catch (IOException unreachable) {
      log.atWarn()
          .addKeyValue("upstream", endpoint.base().host())
          .addKeyValue("reason", unreachable.toString())
          .addKeyValue("request_sent", sent.mayHaveReachedUpstream())
          .log("upstream unreachable");
      throw failure(
          sent,
          ErrorCode.UPSTREAM_UNREACHABLE,
          sent.mayHaveReachedUpstream()
              ? "The upstream closed the connection before answering."
              : "The upstream could not be reached.",
          unreachable);
    }
    boolean handedOver = false;
    try {
      if (response.code() >= 300 && response.code() < 400) {
        return redirectRefused(response);
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
   * Sends an unmetered request without a body (a stored answer's {@code GET}, {@code DELETE} or
   * {@code POST …/cancel}) and returns the upstream's answer as it is; nothing is billed, so a
   * failure is only reported.
   *
   * @throws UpstreamException when the upstream cannot be reached, breaks off or times out
   */
  ProviderResponse.Complete relay(String method, String path, String query) {
    Request request =
        endpoint
            .request(path)
            .url(endpoint.url(path, null, query))
            .header("Accept", "application/json")
            .method(method, "POST".equals(method) ? RequestBody.create(new byte[0], JSON) : null)
            .build();
    try (Response response = client.newCall(request).execute()) {
      if (response.code() >= 300 && response.code() < 400) {
        return (ProviderResponse.Complete) redirectRefused(response);
      }
      return new ProviderResponse.Complete(
          response.code(),
          headers(response, "application/json", false),
          answerBody(response),
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
   * The failure of a call that got no answer: refunded only if its body never reached the
   * connection, since the upstream may bill any request it received (G11).
   */
  private static UpstreamException failure(
      RequestSent sent, ErrorCode code, String message, IOException cause) {
    return sent.mayHaveReachedUpstream()
        ? new UpstreamException(code, message, cause)
        : UpstreamException.beforeSending(code, message, cause);
  }

  /**
   * Pouch never follows a redirect (OkHttp is told not to): following one would send the request,
   * and possibly bill it, twice. The redirect is answered as an upstream error, and charged like
   * one: the upstream had the request.
   */
  private static ProviderResponse redirectRefused(Response response) {
    log.atWarn()
        .addKeyValue("status", response.code())
        .log("the upstream answered with a redirect, which Pouch does not follow");
    return new ProviderResponse.Complete(
        502,
        Map.of("Content-Type", "application/json"),
        ErrorJson.upstreamError(
            "The upstream answered with a redirect ("
                + response.code()
                + "), which Pouch does not follow: check the key's base_url."),
        Usage.UNKNOWN);
  }

  private static ProviderResponse passThroughError(Response response) throws IOException {
    BufferedSource source = response.body().source();
    source.request(MAX_ERROR_BODY);
    long available = Math.min(source.getBuffer().size(), MAX_ERROR_BODY);
    byte[] body = source.getBuffer().readByteArray(available);
    return new ProviderResponse.Complete(
        response.code(), headers(response, "application/json", false), body, Usage.UNKNOWN);
  }

  /** A plain answer's body, refused when it is larger than any honest answer. */
  static byte[] answerBody(Response response) throws IOException {
    long declared = response.body().contentLength();
    if (declared > MAX_ANSWER_BODY) {
      throw new IOException("the upstream's answer is larger than " + MAX_ANSWER_BODY + " bytes");
    }
    return response.body().bytes();
  }

  /**
   * A streamed answer as the client asked for it: assembled back into a plain answer by {@code
   * assembler} when the client asked for none, else relayed as a stream.
   */
  static ProviderResponse streamed(
      Response response, UpstreamStream stream, AnswerAssembler assembler, boolean assemble) {
    if (assemble) {
      return new ProviderResponse.Assembling(
          response.code(), headers(response, "application/json", true), stream, assembler);
    }
    return new ProviderResponse.Streaming(
        response.code(), headers(response, "text/event-stream", false), stream);
  }

  /** A plain answer, with the usage {@code usage} reads from its body. */
  static ProviderResponse.Complete complete(Response response, Function<byte[], Usage> usage)
      throws IOException {
    byte[] body = answerBody(response);
    return new ProviderResponse.Complete(
        response.code(), headers(response, "application/json", false), body, usage.apply(body));
  }

  static boolean isEventStream(Response response) {
    String type = response.header("Content-Type", "");
    return type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
  }

  /**
   * The upstream headers worth passing on, with a content type ({@code type} itself when the body
   * was rebuilt, else the upstream's).
   */
  static Map<String, String> headers(Response response, String type, boolean rebuilt) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", rebuilt ? type : response.header("Content-Type", type));
    for (String name : response.headers().names()) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.startsWith("x-ratelimit-")
          || lower.startsWith("openai-")
          || lower.equals("x-request-id")
          || lower.equals("retry-after")) {
        headers.put(name, response.header(name));
      }
    }
    return headers;
  }
}
