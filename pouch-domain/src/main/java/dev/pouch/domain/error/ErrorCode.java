package dev.pouch.domain.error;

/**
 * Every way a request can be refused or fail. The code's {@link #wireCode()} is the {@code
 * error.code} clients see, and {@link #httpStatus()} its status on every route and every HTTP stack
 * (DESIGN §4); an API's error shape (OpenAI's, Anthropic's) is written by its encoder.
 */
public enum ErrorCode {
  /** Missing, unknown or revoked app key. */
  INVALID_API_KEY("invalid_api_key", 401),
  /** The app key expired and does not renew itself. */
  KEY_EXPIRED("key_expired", 401),
  /** The key may not use the requested model. */
  MODEL_NOT_ALLOWED("model_not_allowed", 403),
  /**
   * The model has no known price while the key has a budget: refuse rather than serve unmetered.
   */
  MODEL_PRICE_UNKNOWN("model_price_unknown", 400),
  /**
   * The remaining budget cannot cover even a minimal answer: 402, which no SDK or framework retries
   * (a 429 is retried by the Vercel AI SDK and Spring AI whatever the headers say).
   */
  BUDGET_EXCEEDED("budget_exceeded", 402),
  /** A spend guard suspended the key. */
  KEY_SUSPENDED("key_suspended", 403),
  /** A rate limit refused the request; see {@link PouchException#retryAfterSeconds()}. */
  RATE_LIMIT_EXCEEDED("rate_limit_exceeded", 429),
  /**
   * A request field whose billed tokens Pouch cannot bound or price, on a key with a budget; see
   * {@link PouchException#param()}.
   */
  UNSUPPORTED_PARAMETER("unsupported_parameter", 400),
  /** The key's provider does not serve this API (an operation it has no framing for). */
  UNSUPPORTED_OPERATION("unsupported_operation", 400),
  /** Malformed JSON, wrong field types, or a value out of range. */
  INVALID_REQUEST("invalid_request", 400),
  /** A plugin configuration does not match its schema; see {@link PouchException#param()}. */
  INVALID_CONFIG("invalid_config", 400),
  /** The request body is over the size limit. */
  REQUEST_TOO_LARGE("request_too_large", 413),
  /** No such model for this key ({@code GET /v1/models/{id}}). */
  MODEL_NOT_FOUND("model_not_found", 404),
  /** An admin resource (key, plugin) does not exist. */
  NOT_FOUND("not_found", 404),
  /** An admin change conflicts with what is stored (a team that still has keys). */
  CONFLICT("conflict", 409),
  /** The admin token is missing or wrong. */
  ADMIN_UNAUTHORIZED("invalid_admin_token", 401),
  /** The upstream could not be reached or broke the connection. */
  UPSTREAM_UNREACHABLE("upstream_unreachable", 502),
  /** The upstream did not answer in time. */
  UPSTREAM_TIMEOUT("upstream_timeout", 504),
  /** A bug or an unavailable store: nothing the client can fix. */
  INTERNAL("internal_error", 500),
  /** The server is stopping: retry on another instance. */
  SERVER_SHUTTING_DOWN("server_shutting_down", 503),
  /** The store cannot be reached (readiness). */
  STORE_UNAVAILABLE("store_unavailable", 503);

  private final String wireCode;
  private final int httpStatus;

  ErrorCode(String wireCode, int httpStatus) {
    this.wireCode = wireCode;
    this.httpStatus = httpStatus;
  }

  /** The HTTP status of this code. */
  public int httpStatus() {
    return httpStatus;
  }

  /** The {@code error.code} string of OpenAI's error shape. */
  public String wireCode() {
    return wireCode;
  }
}
