-- Paging the request log by request id (GET /api/requests?after=<id>) looks rows up by id.
CREATE INDEX request_log_by_request ON request_log (request_id);
