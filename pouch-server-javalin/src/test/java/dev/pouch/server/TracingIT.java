package dev.pouch.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces as an operator gets them: the shaded jar started with the standard {@code OTEL_*}
 * variables exports over OTLP/HTTP to a receiver in this test, and a proxied request arrives as a
 * server span with children for authentication, the reservation, the upstream call and the
 * settlement, carrying GenAI's attributes and Pouch's cost.
 */
class TracingIT {
  private static final String ADMIN_TOKEN = "pt-admin-tracing-it-0123456789abcdef";

  @TempDir Path tmp;
  @RegisterExtension final LaunchedProcesses children = new LaunchedProcesses();
  private final List<Span> spans = new CopyOnWriteArrayList<>();
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private HttpServer receiver;

  @AfterEach
  void stopReceiver() {
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  /** An OTLP/HTTP trace receiver on loopback, keeping every span it is sent. */
  private String startReceiver() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext(
        "/v1/traces",
        exchange -> {
          ExportTraceServiceRequest request =
              ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes());
          request
              .getResourceSpansList()
              .forEach(r -> r.getScopeSpansList().forEach(s -> spans.addAll(s.getSpansList())));
          byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    receiver.start();
    return "http://127.0.0.1:" + receiver.getAddress().getPort();
  }

  private Optional<Span> span(String name) {
    return spans.stream().filter(s -> s.getName().equals(name)).findFirst();
  }

  private static Optional<KeyValue> attribute(Span span, String key) {
    return span.getAttributesList().stream().filter(a -> a.getKey().equals(key)).findFirst();
  }

  private HttpResponse<String> send(PouchProcess pouch, String path, String auth, Object body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(pouch.uri(path))
            .header("Authorization", auth)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aProxiedRequestIsOneTraceWithItsStagesAndItsCost() throws Exception {
    String endpoint = startReceiver();
    PouchProcess pouch =
        children.launch(
            "tracing",
            PouchProcess.jdk17(),
            tmp,
            tmp.resolve("data"),
            Map.of(
                "POUCH_ADMIN_TOKEN",
                ADMIN_TOKEN,
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                endpoint,
                "OTEL_EXPORTER_OTLP_PROTOCOL",
                "http/protobuf",
                "OTEL_BSP_SCHEDULE_DELAY",
                "100"));
    pouch.awaitHealthy(PouchProcess.START_TIMEOUT);
    HttpResponse<String> created =
        send(
            pouch,
            "/api/keys",
            "Bearer " + ADMIN_TOKEN,
            KeyBody.mock("traced").prices("1000", "1000").budgetMicros(1_000_000).toMap());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode key = json.readTree(created.body());

    HttpResponse<String> answered =
        send(
            pouch,
            "/v1/chat/completions",
            "Bearer " + key.get("key").asText(),
            Map.of(
                "model",
                "m",
                "max_tokens",
                8,
                "messages",
                List.of(Map.of("role", "user", "content", "hi"))));
    assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
    long completionTokens = json.readTree(answered.body()).at("/usage/completion_tokens").asLong();

    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (span("POST /v1/chat/completions").isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    Span server = span("POST /v1/chat/completions").orElseThrow(() -> new AssertionError(spans));
    assertThat(server.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    for (String stage :
        List.of("pouch.authenticate", "pouch.reserve", "pouch.upstream", "pouch.settle")) {
      Span child = span(stage).orElseThrow(() -> new AssertionError(stage + " in " + spans));
      assertThat(child.getTraceId()).as(stage).isEqualTo(server.getTraceId());
      assertThat(child.getParentSpanId()).as(stage).isEqualTo(server.getSpanId());
      assertThat(child.getStartTimeUnixNano())
          .as("%s within the request", stage)
          .isBetween(server.getStartTimeUnixNano(), server.getEndTimeUnixNano());
    }
    assertThat(attribute(server, "gen_ai.request.model").orElseThrow().getValue().getStringValue())
        .isEqualTo("m");
    assertThat(
            attribute(server, "gen_ai.usage.output_tokens").orElseThrow().getValue().getIntValue())
        .isEqualTo(completionTokens);
    long spent =
        json.readTree(
                http.send(
                        HttpRequest.newBuilder(pouch.uri("/api/keys/" + key.get("id").asText()))
                            .header("Authorization", "Bearer " + ADMIN_TOKEN)
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .body())
            .at("/budget/spent_micros")
            .asLong();
    assertThat(spent).isPositive();
    assertThat(attribute(server, "pouch.cost_micros").orElseThrow().getValue().getIntValue())
        .isEqualTo(spent);
    assertThat(
            attribute(server, "http.response.status_code").orElseThrow().getValue().getIntValue())
        .isEqualTo(200);
    assertThat(URI.create(endpoint).getHost()).isEqualTo("127.0.0.1");
  }
}
