-- Webhook notices Pouch could not deliver (attempts exhausted, an answer not worth retrying, a full
-- queue), kept until an operator deletes them. The webhook's host only: a full URL may carry a
-- token in its query. AUTOINCREMENT: an id deleted is never given again, so paging by id is stable.
CREATE TABLE undelivered_notices (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  url_host         TEXT    NOT NULL,
  type             TEXT,
  key_id           TEXT,
  payload          TEXT    NOT NULL,
  last_status      INTEGER,
  last_error       TEXT    NOT NULL,
  attempts         INTEGER NOT NULL CHECK (attempts >= 0),
  first_attempt_at INTEGER NOT NULL,
  last_attempt_at  INTEGER NOT NULL
) STRICT;
