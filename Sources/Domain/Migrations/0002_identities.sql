-- Identities: users, their credentials (password history, TOTP, bearer tokens) and the audit log.

CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL CHECK (email = lower(email) AND position('@' IN email) > 1),
    first_name text NOT NULL,
    last_name text NOT NULL,
    phone text,
    -- pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>; NULL until a password is set.
    password_hash text,
    is_active boolean NOT NULL DEFAULT true,
    is_platform_admin boolean NOT NULL DEFAULT false,
    email_verified boolean NOT NULL DEFAULT false,
    terms_accepted_at timestamptz,
    totp_secret bytea,
    totp_enabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE password_history (
    user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_history_user ON password_history (user_id);

-- Bearer credentials. Only the SHA-256 of a token is stored.
CREATE TABLE access_tokens (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('session', 'personal')),
    token_hash text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    name text,
    scopes text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Absolute end of validity.
    expires_at timestamptz NOT NULL,
    -- Sessions: end of validity unless used again (sliding idle timeout).
    idle_expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX access_tokens_user ON access_tokens (user_id) WHERE revoked_at IS NULL;

-- Append-only: rows are never updated; only the retention purge deletes, by setting
-- governance.audit_purge for its transaction.
CREATE TABLE audit_events (
    id bigserial PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_id uuid,
    actor_role text,
    organisation_id uuid,
    action text NOT NULL,
    object_type text,
    object_id text,
    client_address text,
    request_id text,
    details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_time ON audit_events (occurred_at DESC, id DESC);
CREATE INDEX audit_events_actor ON audit_events (actor_id, occurred_at DESC);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('governance.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
