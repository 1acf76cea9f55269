-- A key stopped by a spend guard (or an admin) until it is resumed: when and why.
ALTER TABLE app_keys ADD COLUMN suspended_at INTEGER;
ALTER TABLE app_keys ADD COLUMN suspended_reason TEXT;
