-- End users inside a key (issue 24): an end user's budgets are rows of budgets like any other
-- owner's, with owner_id = the key's id, '/', the end user's id (key and team ids never hold '/'),
-- created by the first reservation that names it; (owner_id, position)'s unique index keeps one
-- row per position however many first requests race, and serves a key's end users in id order.
-- The request-log row names the end user, so that rows add up per end user.
ALTER TABLE request_log ADD COLUMN end_user_id TEXT;
-- A reservation in flight names its end user too, so that recovery writes it on the row.
ALTER TABLE reservations ADD COLUMN end_user_id TEXT;
