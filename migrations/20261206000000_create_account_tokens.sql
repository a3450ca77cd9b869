-- migrate:up
-- When the account's address was shown to be its owner's (the link of a verification e-mail).
-- Accounts from before verification existed count as verified: they were trusted until now.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
UPDATE users SET email_verified_at = created_at;

-- The single-use tokens of e-mailed links (address verification, password reset). The job
-- that sends the e-mail makes the token, stores only its SHA-256 and sends the link in one
-- transaction: the token itself is in no job payload, no table, no log, only in the e-mail.
-- id is the job's request id, so a retried job finds its row and sends nothing twice.
CREATE TABLE account_tokens (
    id          uuid        PRIMARY KEY,
    user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text        NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash  bytea       NOT NULL UNIQUE,
    -- What the token is bound to: the address it verifies, or (reset) the SHA-256 of the
    -- password hash it replaces, so any later password change voids it.
    bound_to    bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose) WHERE used_at IS NULL;

-- migrate:down
DROP TABLE account_tokens;
ALTER TABLE users DROP COLUMN email_verified_at;
