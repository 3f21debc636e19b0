-- Request Tracker (RT) for observers: a CSIRT may receive the openings and submissions of the
-- incidents routed to it as RT tickets rather than e-mails. The token is sealed (AES-256-GCM
-- under a key derived from SECRET_KEY, bound to the observer's id) and never read back by the API.

CREATE TABLE observer_ticketing (
    observer_id uuid PRIMARY KEY REFERENCES observers ON DELETE CASCADE,
    rt_url text NOT NULL CHECK (length(rt_url) <= 2048),
    queue text NOT NULL CHECK (length(queue) BETWEEN 1 AND 200),
    token bytea NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- The outcome of the latest "test connection".
    checked_at timestamptz,
    check_ok boolean,
    check_status integer,
    check_message text
);

-- One ticket per (incident, observer): later events are correspondence on it.
CREATE TABLE rt_tickets (
    incident_id uuid NOT NULL REFERENCES incidents ON DELETE CASCADE,
    observer_id uuid NOT NULL REFERENCES observers ON DELETE CASCADE,
    ticket_id bigint NOT NULL,
    rt_url text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (incident_id, observer_id)
);
CREATE INDEX rt_tickets_observer ON rt_tickets (observer_id);

-- Each incident e-mail an RT observer would have received: what was sent, how, and the
-- addresses that get it by e-mail when RT cannot take it.
CREATE TABLE rt_messages (
    id uuid PRIMARY KEY,
    incident_id uuid NOT NULL REFERENCES incidents ON DELETE CASCADE,
    observer_id uuid NOT NULL REFERENCES observers ON DELETE CASCADE,
    subject text NOT NULL,
    html text NOT NULL,
    text_body text NOT NULL,
    fallback_recipients text[] NOT NULL DEFAULT '{}',
    outcome text CHECK (outcome IN ('ticket', 'correspondence', 'email', 'dropped')),
    ticket_id bigint,
    detail text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX rt_messages_incident ON rt_messages (incident_id, observer_id);
CREATE INDEX rt_messages_observer ON rt_messages (observer_id, created_at);
