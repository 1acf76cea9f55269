-- The upstream that served a request, by its place in the key's policy (provider:openai,
-- fallbacks[0]:anthropic): with failover, a key's requests may be served by more than one.
ALTER TABLE request_log ADD COLUMN upstream TEXT;
