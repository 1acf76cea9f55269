-- Hourly totals of the request log per key and model (ARCHITECTURE D37), kept forever: the usage
-- chart and the daily spend read them, so both stay exact after old rows are pruned. hour is the
-- epoch millisecond of the UTC hour's start. A statement trigger adds the rows each INSERT into
-- request_log wrote, in the same transaction, whichever statement inserts them (a settlement, a
-- refusal, recovery), so no path can bypass the totals. Deleting rows (pruning) leaves them alone,
-- and request_log rows are never updated. The trigger sums per (hour, key, model) and upserts in
-- that order, so statements that insert many rows lock the totals rows in one order. A sum past
-- bigint fails the statement instead of wrapping.
CREATE TABLE request_rollups (
  hour              bigint NOT NULL,
  key_id            text   NOT NULL,
  model             text   NOT NULL,
  requests          bigint NOT NULL,
  prompt_tokens     bigint NOT NULL,
  completion_tokens bigint NOT NULL,
  cost_micros       bigint NOT NULL CHECK (cost_micros >= 0),
  PRIMARY KEY (hour, key_id, model)
);

CREATE INDEX request_rollups_by_key ON request_rollups (key_id, hour);

-- the rows logged so far
INSERT INTO request_rollups
  SELECT created_at / 3600000 * 3600000, key_id, model, count(*), sum(prompt_tokens),
         sum(completion_tokens), sum(cost_micros)
  FROM request_log GROUP BY 1, 2, 3;

CREATE FUNCTION request_log_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO request_rollups AS r
    (hour, key_id, model, requests, prompt_tokens, completion_tokens, cost_micros)
  SELECT created_at / 3600000 * 3600000, key_id, model, count(*), sum(prompt_tokens),
         sum(completion_tokens), sum(cost_micros)
  FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (hour, key_id, model) DO UPDATE SET
    requests = r.requests + excluded.requests,
    prompt_tokens = r.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = r.completion_tokens + excluded.completion_tokens,
    cost_micros = r.cost_micros + excluded.cost_micros;
  RETURN NULL;
END
$$;

CREATE TRIGGER request_log_rollup AFTER INSERT ON request_log
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION request_log_rollup();
