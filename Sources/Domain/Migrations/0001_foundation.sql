-- Foundation: the outbox (one row per background job), stored e-mails and rendered documents.

CREATE TABLE outbox (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind <> ''),
    queue text NOT NULL DEFAULT 'default',
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Last push to Redis (or, after a failed attempt, when the retry is due).
    dispatched_at timestamptz,
    dispatch_count integer NOT NULL DEFAULT 0,
    attempts integer NOT NULL DEFAULT 0,
    started_at timestamptz,
    completed_at timestamptz,
    completed_by text,
    failed_at timestamptz,
    last_error text,
    result jsonb
);

-- The beat sweep scans only unfinished rows.
CREATE INDEX outbox_unfinished ON outbox (coalesce(dispatched_at, created_at))
    WHERE completed_at IS NULL AND failed_at IS NULL;

CREATE TABLE documents (
    id uuid PRIMARY KEY,
    filename text NOT NULL,
    content_type text NOT NULL DEFAULT 'application/pdf',
    content bytea NOT NULL,
    sha256 text NOT NULL CHECK (length(sha256) = 64),
    size_bytes integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE emails (
    id uuid PRIMARY KEY,
    from_address text NOT NULL,
    from_name text,
    to_addresses text[] NOT NULL CHECK (cardinality(to_addresses) > 0),
    subject text NOT NULL,
    text_body text NOT NULL,
    html_body text,
    -- Documents attached to the message, in order.
    attachment_ids uuid[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    failed_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    last_error text
);

CREATE INDEX emails_unsent ON emails (created_at) WHERE sent_at IS NULL AND failed_at IS NULL;
