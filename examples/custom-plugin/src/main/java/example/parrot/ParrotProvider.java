package example.parrot;

import dev.pouch.domain.budget.Usage;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.RequestRejectedException;
import dev.pouch.domain.error.UpstreamException;
import dev.pouch.domain.money.ModelPrice;
import dev.pouch.domain.provider.ChatRequest;
import dev.pouch.domain.provider.ModelInfo;
import dev.pouch.domain.provider.Operation;
import dev.pouch.domain.provider.Provider;
import dev.pouch.domain.provider.ProviderResponse;
import dev.pouch.domain.provider.UpstreamCall;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Calls a Parrot service, a made-up upstream with a plain-text protocol: {@code POST /complete
 * ?max_words=N&stream=0|1} with the prompt as the body. A plain answer is the words, with headers
 * {@code X-Prompt-Words} and {@code X-Output-Words}; a stream is one word per line, then {@code
 * #usage PROMPT OUTPUT}. One word is one token.
 *
 * <p>What makes it safe for Pouch's budgets: the estimate counts every word of every message plus
 * one per message (the service counts only the words), {@code max_words} is the output cap Pouch
 * reserved, and the usage the service reports is what is billed.
 */
final class ParrotProvider implements Provider {
  static final String MODEL = "parrot-1";

  private final URI endpoint;
  private final ModelInfo model;
  private final Duration timeout;
  private final HttpClient http;

  ParrotProvider(URI endpoint, ModelPrice price, Duration timeout) {
    this.endpoint = endpoint;
    this.model = new ModelInfo(MODEL, price, 32_000, 4_096);
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public Optional<ModelInfo> model(String name) {
    return MODEL.equals(name) ? Optional.of(model) : Optional.empty();
  }

  @Override
  public List<ModelInfo> models() {
    return List.of(model);
  }

  @Override
  public long estimatePromptTokens(Operation operation) {
    ChatRequest request = ChatRequest.of(operation);
    return words(prompt(request)).size() + (long) request.messages().size();
  }

  @Override
  public ProviderResponse execute(Operation operation, UpstreamCall call) {
    ChatRequest request = ChatRequest.of(operation);
    if (request.choices() != 1) {
      throw RequestRejectedException.invalidRequest("n", "Parrot answers with one choice only.");
    }
    URI uri =
        URI.create(
            endpoint + "?max_words=" + call.outputCap() + "&stream=" + (request.stream() ? 1 : 0));
    HttpRequest upstream =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("X-Request-Id", call.requestId())
            .POST(HttpRequest.BodyPublishers.ofString(prompt(request), StandardCharsets.UTF_8))
            .build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(upstream, HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpTimeoutException slow) {
      throw new UpstreamException(ErrorCode.UPSTREAM_TIMEOUT, "Parrot did not answer.", slow);
    } catch (IOException unreachable) {
      throw new UpstreamException(
          ErrorCode.UPSTREAM_UNREACHABLE, "Parrot is unreachable.", unreachable);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new UpstreamException(ErrorCode.UPSTREAM_UNREACHABLE, "Interrupted.", interrupted);
    }
    long estimate = estimatePromptTokens(request);
    if (response.statusCode() != 200) {
      return refusal(response);
    }
    if (request.stream()) {
      return new ProviderResponse.Streaming(
          200,
          Map.of("Content-Type", "text/event-stream"),
          new ParrotStream(response.body(), call, estimate, request.includeUsage()));
    }
    return complete(response, call);
  }

  private ProviderResponse complete(HttpResponse<InputStream> response, UpstreamCall call) {
    String text;
    try (InputStream body = response.body()) {
      text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException broken) {
      throw new UpstreamException(ErrorCode.UPSTREAM_UNREACHABLE, "Parrot broke off.", broken);
    }
    long promptWords = header(response, "X-Prompt-Words");
    long outputWords = header(response, "X-Output-Words");
    // what the service billed is what Pouch charges, even if it answered longer than asked
    Usage usage = Usage.reported(promptWords, outputWords);
    String finish = outputWords >= call.outputCap() ? "length" : "stop";
    return new ProviderResponse.Complete(
        200,
        Map.of("Content-Type", "application/json"),
        OpenAiShapes.completion("parrot-" + call.requestId(), MODEL, text, finish, usage),
        usage);
  }

  /** An upstream error: passed on in OpenAI's shape, with no usage, so Pouch refunds it. */
  private static ProviderResponse refusal(HttpResponse<InputStream> response) {
    String message;
    try (InputStream body = response.body()) {
      message = new String(body.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException broken) {
      message = "Parrot refused the request.";
    }
    return new ProviderResponse.Complete(
        response.statusCode(),
        Map.of("Content-Type", "application/json"),
        OpenAiShapes.error(message, "upstream_error").getBytes(StandardCharsets.UTF_8),
        Usage.UNKNOWN);
  }

  private static long header(HttpResponse<?> response, String name) {
    return response.headers().firstValueAsLong(name).orElse(0);
  }

  /** The messages' text contents, one per line. */
  static String prompt(ChatRequest request) {
    List<String> lines = new ArrayList<>();
    for (Object message : request.messages()) {
      Object content = message instanceof Map<?, ?> ? ((Map<?, ?>) message).get("content") : null;
      lines.add(content == null ? "" : content.toString());
    }
    return String.join("\n", lines);
  }

  static List<String> words(String text) {
    return Arrays.stream(text.trim().split("\\s+")).filter(word -> !word.isEmpty()).toList();
  }
}
