-- Webhooks: an organisation's administrators subscribe an HTTPS endpoint to events they may see;
-- each event becomes one delivery per matching subscription, sent by the worker with an
-- HMAC-SHA256 signature. The signing secret is sealed (AES-256-GCM, bound to the subscription).

CREATE TABLE webhook_subscriptions (
    id uuid PRIMARY KEY,
    organisation_kind text NOT NULL CHECK (organisation_kind IN ('regulator', 'observer', 'operator')),
    organisation_id uuid NOT NULL,
    url text NOT NULL CHECK (length(url) <= 2048),
    events text[] NOT NULL CHECK (cardinality(events) >= 1),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    secret bytea NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    -- Since when deliveries fail (NULL once one succeeds); past WEBHOOK_DISABLE_AFTER_HOURS the
    -- subscription is switched off.
    failing_since timestamptz,
    disabled_at timestamptz,
    disabled_reason text,
    last_delivery_at timestamptz,
    created_by uuid REFERENCES users ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscriptions_organisation ON webhook_subscriptions (organisation_kind, organisation_id);

CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES webhook_subscriptions ON DELETE CASCADE,
    event_id uuid NOT NULL,
    event text NOT NULL,
    -- The exact bytes sent and signed.
    body text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'retrying', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    response_status integer,
    duration_ms double precision,
    last_error text,
    redelivery_of uuid REFERENCES webhook_deliveries ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    finished_at timestamptz
);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at DESC, id);

-- A subscription belongs to its organisation: it goes when the organisation goes.
CREATE FUNCTION delete_organisation_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM webhook_subscriptions WHERE organisation_kind = TG_ARGV[0] AND organisation_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER regulators_webhooks AFTER DELETE ON regulators FOR EACH ROW EXECUTE FUNCTION delete_organisation_webhooks('regulator');
CREATE TRIGGER observers_webhooks AFTER DELETE ON observers FOR EACH ROW EXECUTE FUNCTION delete_organisation_webhooks('observer');
CREATE TRIGGER operators_webhooks AFTER DELETE ON operators FOR EACH ROW EXECUTE FUNCTION delete_organisation_webhooks('operator');
