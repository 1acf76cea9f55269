-- Responses API answers Pouch served, with the key they were served to and the context tokens a
-- request continuing them (previous_response_id) is billed again as input, at most. Without a row
-- an id cannot be bounded: continuing it is refused on a key with a budget. No foreign key: a row
-- outlives neither its key's budget nor its usefulness in a way that matters to money.
CREATE TABLE stored_responses (
  response_id    TEXT    NOT NULL PRIMARY KEY,
  key_id         TEXT    NOT NULL,
  context_tokens INTEGER NOT NULL CHECK (context_tokens >= 0),
  created_at     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
