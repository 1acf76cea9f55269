-- The x-request-id a client sent, kept beside Pouch's own id so that an operator can go from a
-- client's logs to the ledger row (GET /api/requests?id=<either id>). Never a ledger key.
ALTER TABLE request_log ADD COLUMN client_request_id TEXT;
CREATE INDEX request_log_by_client_request ON request_log (client_request_id)
  WHERE client_request_id IS NOT NULL;
