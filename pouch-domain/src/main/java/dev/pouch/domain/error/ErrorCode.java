package dev.pouch.domain.error;

/**
 * Every way a request can be refused or fail. The code's {@link #wireCode()} is the {@code
 * error.code} clients see; the HTTP status is chosen by the server from this closed set.
 */
public enum ErrorCode {
  /** Missing, unknown or revoked app key. */
  INVALID_API_KEY("invalid_api_key"),
  /** The app key expired and does not renew itself. */
  KEY_EXPIRED("key_expired"),
  /** The key may not use the requested model. */
  MODEL_NOT_ALLOWED("model_not_allowed"),
  /**
   * The model has no known price while the key has a budget: refuse rather than serve unmetered.
   */
  MODEL_PRICE_UNKNOWN("model_price_unknown"),
  /** The remaining budget cannot cover even a minimal answer. */
  BUDGET_EXCEEDED("budget_exceeded"),
  /** A spend guard suspended the key. */
  KEY_SUSPENDED("key_suspended"),
  /** A rate limit refused the request; see {@link PouchException#retryAfterSeconds()}. */
  RATE_LIMIT_EXCEEDED("rate_limit_exceeded"),
  /**
   * A request field whose billed tokens Pouch cannot bound or price, on a key with a budget; see
   * {@link PouchException#param()}.
   */
  UNSUPPORTED_PARAMETER("unsupported_parameter"),
  /** Malformed JSON, wrong field types, or a value out of range. */
  INVALID_REQUEST("invalid_request"),
  /** A plugin configuration does not match its schema; see {@link PouchException#param()}. */
  INVALID_CONFIG("invalid_config"),
  /** The request body is over the size limit. */
  REQUEST_TOO_LARGE("request_too_large"),
  /** An admin resource (key, plugin) does not exist. */
  NOT_FOUND("not_found"),
  /** The admin token is missing or wrong. */
  ADMIN_UNAUTHORIZED("invalid_admin_token"),
  /** The upstream could not be reached or broke the connection. */
  UPSTREAM_UNREACHABLE("upstream_unreachable"),
  /** The upstream did not answer in time. */
  UPSTREAM_TIMEOUT("upstream_timeout"),
  /** A bug or an unavailable store: nothing the client can fix. */
  INTERNAL("internal_error");

  private final String wireCode;

  ErrorCode(String wireCode) {
    this.wireCode = wireCode;
  }

  /** The {@code error.code} string of OpenAI's error shape. */
  public String wireCode() {
    return wireCode;
  }
}
