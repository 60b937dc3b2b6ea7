-- Sessions that can be ended, refresh-token families, revoked access tokens, API keys and
-- per-account failed-login throttling (issue 5).

-- Access tokens issued before this instant and carrying no session id (sid) are refused:
-- "log out everywhere" and password changes move it.
ALTER TABLE users ADD COLUMN sessions_valid_after timestamptz NOT NULL DEFAULT '-infinity';

-- One row per login: the refresh-token family. Revoking it ends its refresh tokens and
-- every access token carrying its id (sid).
CREATE TABLE sessions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,  -- of its newest refresh token
    revoked_at     timestamptz,
    revoked_reason text
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
CREATE INDEX sessions_revoked_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;

-- Refresh tokens, stored only as SHA-256. A rotated token keeps its row (used_at set) so
-- that presenting it again is recognised as reuse and ends the whole family.
CREATE TABLE refresh_tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id bigint NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

-- Access tokens revoked one by one (logout) until they expire anyway.
CREATE TABLE revoked_tokens (
    jti        text PRIMARY KEY CHECK (char_length(jti) <= 64),
    expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expires_idx ON revoked_tokens (expires_at);

-- API keys: found by their public prefix, verified by the SHA-256 of the whole key.
CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    prefix       text NOT NULL UNIQUE CHECK (char_length(prefix) = 20),
    key_hash     bytea NOT NULL CHECK (length(key_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at   timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id, id);

-- Equality of two SHA-256 digests that looks at every byte (no early exit at the first
-- difference): the XOR of the two as bit strings, then a population count of all of it.
-- Not STRICT, so that it is inlined into the caller check; a NULL or a length other than
-- 32 bytes is not equal.
CREATE FUNCTION ct_equal(a bytea, b bytea) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(a) <> 32 OR length(b) <> 32 THEN false
        ELSE bit_count(('x' || encode(a, 'hex'))::bit(256) # ('x' || encode(b, 'hex'))::bit(256)) = 0 END
$$;

-- Failed logins per account name (also for names that do not exist, so throttling does not
-- reveal which accounts do). After too many in a window, logins get 429 until locked_until.
CREATE TABLE login_failures (
    username     text PRIMARY KEY CHECK (char_length(username) <= 50),
    failures     integer NOT NULL,
    window_start timestamptz NOT NULL,
    locked_until timestamptz
);
CREATE INDEX login_failures_window_idx ON login_failures (window_start);
