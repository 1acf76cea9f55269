-- Pouch on PostgreSQL, version 1: the schema SQLite reached at its version 12, in one step.
-- Times are bigint epoch milliseconds (UTC), money is bigint micro-dollars (1 USD = 1 000 000):
-- the same numbers as the SQLite store, so both map rows the same way.

-- App keys: everything but the secret, of which only the SHA-256 hex hash is kept. Deleting a key
-- is a soft delete (deleted_at): its budgets, reservations and log stay reconcilable. seq keeps
-- the order of insertion for listing keys created in the same millisecond.
CREATE TABLE app_keys (
  seq              bigint  GENERATED ALWAYS AS IDENTITY,
  id               text    NOT NULL PRIMARY KEY,
  name             text    NOT NULL,
  prefix           text    NOT NULL,
  secret_hash      text    NOT NULL UNIQUE,
  created_at       bigint  NOT NULL,
  expires_at       bigint,
  auto_renew       boolean NOT NULL,
  policy_json      text    NOT NULL,
  version          bigint  NOT NULL CHECK (version >= 0),
  deleted_at       bigint,
  suspended_at     bigint,
  suspended_reason text,
  team_id          text
);

CREATE INDEX app_keys_live_by_creation ON app_keys (created_at, seq) WHERE deleted_at IS NULL;

-- Teams: keys that share budgets (a team's budgets are rows of budgets with the team's id as
-- owner). Deleting a team is refused while a live key names it.
CREATE TABLE teams (
  seq        bigint GENERATED ALWAYS AS IDENTITY,
  id         text   NOT NULL PRIMARY KEY,
  name       text   NOT NULL,
  created_at bigint NOT NULL
);

-- Budgets in layers: a key or a team (the owner) has one or more budgets, in order (position).
-- limit_micros = 0 means unlimited; reset_period_seconds = 0 means the budget never resets. The
-- budget rule (spent + reserved + amount <= limit) is enforced by the guarded UPDATE of a
-- reservation, never by reading here and deciding in Java. An end user's budgets are rows of owner
-- the key's id, '/', the end user's id (key and team ids never hold '/'), created by the first
-- reservation that names it; owner_id compares bytewise (COLLATE "C", as SQLite), so that a key's
-- end users are the range 'key_…/' to 'key_…0' of the (owner_id, position) index, in id order.
CREATE TABLE budgets (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_id             text   COLLATE "C" NOT NULL,
  position             int    NOT NULL CHECK (position >= 0),
  limit_micros         bigint NOT NULL CHECK (limit_micros >= 0),
  spent_micros         bigint NOT NULL DEFAULT 0 CHECK (spent_micros >= 0),
  reserved_micros      bigint NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0),
  period_started_at    bigint NOT NULL,
  reset_period_seconds bigint NOT NULL DEFAULT 0 CHECK (reset_period_seconds >= 0),
  UNIQUE (owner_id, position)
);

-- Requests in flight only: settling deletes the row (the request log keeps what it cost, and its
-- request_id keeps reserving an id idempotent). budget_ids are the budget rows the reservation
-- took from, sorted, so that its settlement charges exactly those even when the owner's budgets
-- or the key's team changed meanwhile. No foreign keys: a dropped budget leaves its reservations
-- to settle into nothing there. end_user_id names the request's end user, so that recovery writes
-- it on the request-log row.
CREATE TABLE reservations (
  id            text     NOT NULL PRIMARY KEY,
  key_id        text     NOT NULL,
  amount_micros bigint   NOT NULL CHECK (amount_micros >= 0),
  created_at    bigint   NOT NULL,
  budget_ids    bigint[] NOT NULL,
  end_user_id   text
);

-- History of closed budget periods, one row per reset.
CREATE TABLE budget_periods (
  seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_id     text   NOT NULL,
  position     int    NOT NULL CHECK (position >= 0),
  started_at   bigint NOT NULL,
  ended_at     bigint NOT NULL,
  limit_micros bigint NOT NULL CHECK (limit_micros >= 0),
  spent_micros bigint NOT NULL CHECK (spent_micros >= 0)
);

CREATE INDEX budget_periods_by_owner ON budget_periods (owner_id, position, started_at);

-- One row per request. seq breaks ties between rows of the same millisecond. end_user_id names
-- the request's end user, so that rows add up per end user.
CREATE TABLE request_log (
  seq                  bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id           text    NOT NULL,
  key_id               text    NOT NULL,
  model                text    NOT NULL,
  created_at           bigint  NOT NULL,
  status               int     NOT NULL,
  streamed             boolean NOT NULL,
  prompt_tokens        bigint  NOT NULL,
  cached_prompt_tokens bigint  NOT NULL,
  completion_tokens    bigint  NOT NULL,
  reserved_micros      bigint  NOT NULL CHECK (reserved_micros >= 0),
  cost_micros          bigint  NOT NULL CHECK (cost_micros >= 0),
  basis                text,
  overrun_micros       bigint  NOT NULL CHECK (overrun_micros >= 0),
  latency_millis       bigint  NOT NULL,
  error_code           text,
  priced_as            text,
  client_request_id    text,
  end_user_id          text,
  upstream             text
);

CREATE INDEX request_log_by_key ON request_log (key_id, created_at, seq);
CREATE INDEX request_log_by_time ON request_log (created_at, seq);
CREATE INDEX request_log_by_request ON request_log (request_id);
CREATE INDEX request_log_by_client_request ON request_log (client_request_id)
  WHERE client_request_id IS NOT NULL;

-- Responses API answers Pouch served, with the key they were served to and the context tokens a
-- request continuing them is billed again as input, at most.
CREATE TABLE stored_responses (
  response_id    text   NOT NULL PRIMARY KEY,
  key_id         text   NOT NULL,
  context_tokens bigint NOT NULL CHECK (context_tokens >= 0),
  created_at     bigint NOT NULL
);

-- Webhook notices Pouch could not deliver, kept until an operator deletes them. An identity is
-- never given again, so paging by id is stable.
CREATE TABLE undelivered_notices (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  url_host         text   NOT NULL,
  type             text,
  key_id           text,
  payload          text   NOT NULL,
  last_status      int,
  last_error       text   NOT NULL,
  attempts         int    NOT NULL CHECK (attempts >= 0),
  first_attempt_at bigint NOT NULL,
  last_attempt_at  bigint NOT NULL
);
