-- migrate:up
-- What a user sees of their sessions (GET /auth/sessions): where each was started from, and
-- when it was last used (its login, then each refresh). Sessions from before have none.
ALTER TABLE sessions ADD COLUMN last_used_at timestamptz;
ALTER TABLE sessions ADD COLUMN client_ip text CHECK (length(client_ip) <= 64);
ALTER TABLE sessions ADD COLUMN user_agent text CHECK (length(user_agent) <= 512);
UPDATE sessions SET last_used_at = created_at;

-- migrate:down
ALTER TABLE sessions DROP COLUMN user_agent;
ALTER TABLE sessions DROP COLUMN client_ip;
ALTER TABLE sessions DROP COLUMN last_used_at;
