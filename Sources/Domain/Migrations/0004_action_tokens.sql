-- Single-use links sent by e-mail: password reset, account activation.
CREATE TABLE action_tokens (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('password_reset', 'activation')),
    token_hash text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX action_tokens_user ON action_tokens (user_id, purpose) WHERE used_at IS NULL;
