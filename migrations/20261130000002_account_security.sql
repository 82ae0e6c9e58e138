-- Account security (issue 12): disabled accounts, a second factor,
-- recovery codes, idle sessions, a secret shared by every instance, and an
-- audit log that can be read by time.

-- An admin can disable an account: it cannot log in and its sessions end.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
-- The TOTP secret (RFC 6238, base32), when the account has a second factor,
-- and the last time step accepted, so that no code works twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- One-time recovery codes for a lost second factor, kept as SHA-256 only.
CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- A session ends after 30 idle minutes as well as 12 hours after login.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;

-- Secrets every Heard instance must share, made once by whichever starts
-- first: the key that network addresses are hashed with for throttling.
CREATE TABLE server_secrets (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

CREATE INDEX audit_log_by_time ON audit_log (at);
