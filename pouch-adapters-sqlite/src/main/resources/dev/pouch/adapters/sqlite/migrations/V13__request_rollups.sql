-- Hourly totals of the request log per key and model (ARCHITECTURE D37), kept forever: the usage
-- chart and the daily spend read them, so both stay exact after old rows are pruned. hour is the
-- epoch millisecond of the UTC hour's start. A trigger adds every row inserted into request_log in
-- the same transaction, whichever statement inserts it (a settlement, a refusal, recovery), so no
-- path can bypass the totals. Deleting rows (pruning) leaves them alone. Rows of request_log are
-- never updated. STRICT: a sum past a 64-bit integer is refused, never stored as a REAL.
CREATE TABLE request_rollups (
  hour              INTEGER NOT NULL,
  key_id            TEXT    NOT NULL,
  model             TEXT    NOT NULL,
  requests          INTEGER NOT NULL,
  prompt_tokens     INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cost_micros       INTEGER NOT NULL CHECK (cost_micros >= 0),
  PRIMARY KEY (hour, key_id, model)
) STRICT, WITHOUT ROWID;

CREATE INDEX request_rollups_by_key ON request_rollups (key_id, hour);

-- the rows logged so far (created_at is never before 1970, so % rounds down)
INSERT INTO request_rollups
  SELECT created_at - created_at % 3600000, key_id, model, count(*), sum(prompt_tokens),
         sum(completion_tokens), sum(cost_micros)
  FROM request_log GROUP BY 1, 2, 3;

CREATE TRIGGER request_log_rollup AFTER INSERT ON request_log
BEGIN
  INSERT INTO request_rollups
    (hour, key_id, model, requests, prompt_tokens, completion_tokens, cost_micros)
  VALUES (NEW.created_at - NEW.created_at % 3600000, NEW.key_id, NEW.model, 1,
          NEW.prompt_tokens, NEW.completion_tokens, NEW.cost_micros)
  ON CONFLICT (hour, key_id, model) DO UPDATE SET
    requests = requests + 1,
    prompt_tokens = prompt_tokens + excluded.prompt_tokens,
    completion_tokens = completion_tokens + excluded.completion_tokens,
    cost_micros = cost_micros + excluded.cost_micros;
END;
