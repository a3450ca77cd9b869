-- migrate:up
-- Two-factor sign-in (services/totp_service.py). The TOTP secret is Fernet-encrypted with a
-- key from the settings; confirmed_at is null while enrolling. last_step is the time step of
-- the last code accepted (no code of that step or before is accepted again); failures and
-- locked_until limit wrong codes per account.
CREATE TABLE totp_factors (
    user_id      bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    last_step    bigint,
    failures     integer     NOT NULL DEFAULT 0,
    locked_until timestamptz
);

-- One-time recovery codes: only their HMAC-SHA256 (keyed from the secret key) is stored.
CREATE TABLE totp_recovery_codes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea       NOT NULL,
    used_at   timestamptz,
    UNIQUE (user_id, code_hash)
);

-- migrate:down
DROP TABLE totp_recovery_codes;
DROP TABLE totp_factors;
