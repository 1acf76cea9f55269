-- Teams: keys that share budgets. A team's budgets are rows of budgets with the team's id as owner;
-- a key names its team in team_id (NULL: no team). Deleting a team is refused while a live key
-- names it, so no foreign key is needed for the money: a reservation records its budget rows.
CREATE TABLE teams (
  id         TEXT    NOT NULL PRIMARY KEY,
  name       TEXT    NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

ALTER TABLE app_keys ADD COLUMN team_id TEXT;
