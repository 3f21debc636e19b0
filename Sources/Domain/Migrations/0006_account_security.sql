-- Account security: the second factor as a property of each session, one-time codes used
-- once, bounded password history, e-mails with single-use links not kept after sending.

-- Whether the bearer passed the second factor: a session when its login checked the TOTP code
-- (or it enrolled the factor itself), a personal token when a fully verified session made it.
ALTER TABLE access_tokens ADD COLUMN second_factor_verified boolean NOT NULL DEFAULT false;
UPDATE access_tokens t SET second_factor_verified = true
WHERE t.kind = 'personal'
   OR EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id AND u.totp_enabled_at IS NOT NULL AND u.totp_enabled_at <= t.created_at);

-- The last TOTP time step accepted for the user: a code is accepted once.
ALTER TABLE users ADD COLUMN totp_last_step bigint;

-- Only the five most recent previous passwords are kept.
DELETE FROM password_history h
WHERE (SELECT count(*) FROM password_history newer WHERE newer.user_id = h.user_id AND newer.created_at > h.created_at) >= 5;
CREATE INDEX password_history_recent ON password_history (user_id, created_at DESC);
DROP INDEX password_history_user;

-- E-mails carrying single-use links lose their bodies once sent (or failed for good).
ALTER TABLE emails ADD COLUMN is_sensitive boolean NOT NULL DEFAULT false;
ALTER TABLE emails ADD COLUMN redacted_at timestamptz;
UPDATE emails SET text_body = '', html_body = NULL, redacted_at = now()
WHERE (sent_at IS NOT NULL OR failed_at IS NOT NULL) AND text_body LIKE '%token=%';
UPDATE emails SET is_sensitive = true WHERE text_body LIKE '%token=%';
