package dev.pouch.server.http;

import dev.pouch.application.proxy.ErrorResponses;
import dev.pouch.domain.chain.ProxyResponse;
import dev.pouch.domain.error.ErrorCode;
import dev.pouch.domain.error.PouchException;
import dev.pouch.domain.error.Refusal;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every failure leaves the server in OpenAI's error shape (Anthropic's on the Messages route), with
 * the status of DESIGN §4.
 */
public final class ErrorHandling {
  private static final Logger log = LoggerFactory.getLogger(ErrorHandling.class);

  /** Context attribute: the wire code of the error answered, for the access log and metrics. */
  public static final String ERROR_CODE_ATTRIBUTE = "pouch.error_code";

  private ErrorHandling() {}

  public static void install(JavalinConfig cfg) {
    cfg.routes.exception(PouchException.class, (failure, ctx) -> write(ctx, failure));
    cfg.routes.exception(
        Exception.class,
        (failure, ctx) -> {
          log.atError()
              .setCause(failure)
              .addKeyValue("path", ctx.path())
              .log("unexpected failure while serving a request");
          write(
              ctx,
              Refusal.of(
                  ErrorCode.INTERNAL, "The server had an error while processing your request."));
        });
    // Javalin's own refusals (no such route, wrong method) in OpenAI's shape too.
    cfg.routes.exception(
        HttpResponseException.class,
        (failure, ctx) -> {
          int status = failure.getStatus();
          ErrorCode code = status == 404 ? ErrorCode.NOT_FOUND : ErrorCode.INVALID_REQUEST;
          // Javalin's status (404, 405) stands; the body says what was asked
          String message = "Unknown request URL: " + ctx.method() + " " + ctx.path() + ".";
          if (AnthropicErrors.applies(ctx.path())) {
            ctx.status(status)
                .contentType("application/json")
                .result(AnthropicErrors.body(status, message, null));
            return;
          }
          ctx.status(status)
              .contentType("application/json")
              .result(
                  ErrorResponses.body(
                      code, "Unknown request URL: " + ctx.method() + " " + ctx.path() + ".", null));
        });
  }

  public static void write(Context ctx, PouchException failure) {
    write(ctx, failure.refusal());
  }

  /**
   * Writes a refusal in the route's shape (OpenAI's, or Anthropic's on the Messages route), and
   * notes its code for the access log and metrics.
   */
  public static void write(Context ctx, Refusal refusal) {
    ctx.attribute(ERROR_CODE_ATTRIBUTE, refusal.code().wireCode());
    if (AnthropicErrors.applies(ctx.path())) {
      AnthropicErrors.write(ctx, refusal);
      return;
    }
    ProxyResponse.Complete response = ErrorResponses.response(refusal);
    response.headers().forEach(ctx::header);
    ctx.status(response.status()).result(response.body());
  }
}
