-- migrate:up
-- A login session. Its refresh tokens (one replacing the other at each refresh) point to it;
-- ending the session (revoked_at) ends them all, including one a concurrent refresh has just
-- inserted: a refresh locks the session row, so the two happen one after the other.
CREATE TABLE sessions (
    id          uuid        PRIMARY KEY,
    user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

CREATE INDEX sessions_user_live_idx ON sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_revoked_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;

-- Sessions of the tokens issued so far: a family was revoked when each of its tokens was.
INSERT INTO sessions (id, user_id, created_at, revoked_at)
SELECT family_id, min(user_id), min(created_at),
       CASE WHEN bool_and(revoked_at IS NOT NULL) THEN max(revoked_at) END
FROM refresh_tokens GROUP BY family_id;

ALTER TABLE refresh_tokens RENAME COLUMN family_id TO session_id;
ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_session_fkey
    FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE;
ALTER TABLE refresh_tokens DROP COLUMN revoked_at;
ALTER TABLE refresh_tokens DROP COLUMN user_id;
ALTER INDEX refresh_tokens_family_idx RENAME TO refresh_tokens_session_idx;

-- migrate:down
ALTER INDEX refresh_tokens_session_idx RENAME TO refresh_tokens_family_idx;
ALTER TABLE refresh_tokens ADD COLUMN user_id bigint REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE refresh_tokens ADD COLUMN revoked_at timestamptz;
UPDATE refresh_tokens t SET user_id = s.user_id, revoked_at = s.revoked_at
FROM sessions s WHERE s.id = t.session_id;
ALTER TABLE refresh_tokens ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_session_fkey;
ALTER TABLE refresh_tokens RENAME COLUMN session_id TO family_id;
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
DROP TABLE sessions;
