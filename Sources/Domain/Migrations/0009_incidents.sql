-- Incidents: the first notification, one incident per matching workflow, its reports with their
-- deadlines stored as data, the observers it is routed to, reference counters and idempotency
-- keys.

CREATE TABLE incidents (
    id uuid PRIMARY KEY,
    -- <entity>_<sector>_<subsector>_<NNNN>_<YYYY>; unique whoever edits it.
    reference text NOT NULL UNIQUE CHECK (length(reference) BETWEEN 1 AND 64),
    -- The workflow stays while incidents use it (NO ACTION: its deletion answers 409).
    workflow_id uuid NOT NULL REFERENCES notification_workflows,
    regulator_id uuid NOT NULL REFERENCES regulators,
    regulation_id uuid NOT NULL REFERENCES regulations,
    -- Who notified: an operator, a regulator acting as notifier, or an independent user.
    operator_id uuid REFERENCES operators,
    notifier_regulator_id uuid REFERENCES regulators,
    notifier_user_id uuid REFERENCES users ON DELETE SET NULL,
    notifier_name text NOT NULL CHECK (length(notifier_name) BETWEEN 1 AND 255),
    CHECK (operator_id IS NULL OR notifier_regulator_id IS NULL),
    contact jsonb NOT NULL CHECK (jsonb_typeof(contact) = 'object'),
    technical_contact jsonb NOT NULL CHECK (jsonb_typeof(technical_contact) = 'object'),
    internal_reference text NOT NULL DEFAULT '' CHECK (length(internal_reference) <= 255),
    complaint_reference text NOT NULL DEFAULT '' CHECK (length(complaint_reference) <= 255),
    notification_type text NOT NULL CHECK (notification_type IN ('incident', 'nearMiss', 'cyberThreat')),
    cross_border boolean NOT NULL DEFAULT false,
    time_zone text NOT NULL,
    detected_at timestamptz,
    notified_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    significant boolean NOT NULL DEFAULT false,
    -- Set when a regulator decided the significance: later submissions do not overwrite it.
    significance_overridden boolean NOT NULL DEFAULT false,
    -- Bumped by every change: the incident's ETag.
    revision integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incidents_workflow ON incidents (workflow_id);
CREATE INDEX incidents_regulator ON incidents (regulator_id, notified_at DESC, id DESC);
CREATE INDEX incidents_operator ON incidents (operator_id, notified_at DESC, id DESC) WHERE operator_id IS NOT NULL;
CREATE INDEX incidents_notifier_regulator ON incidents (notifier_regulator_id, notified_at DESC, id DESC) WHERE notifier_regulator_id IS NOT NULL;
CREATE INDEX incidents_notifier_user ON incidents (notifier_user_id, notified_at DESC, id DESC);

CREATE TABLE incident_sectors (
    incident_id uuid NOT NULL REFERENCES incidents ON DELETE CASCADE,
    sector_id uuid NOT NULL REFERENCES sectors,
    PRIMARY KEY (incident_id, sector_id)
);
CREATE INDEX incident_sectors_sector ON incident_sectors (sector_id);

-- The observers an incident reaches, decided by the routing rules when it was notified.
CREATE TABLE incident_observers (
    incident_id uuid NOT NULL REFERENCES incidents ON DELETE CASCADE,
    observer_id uuid NOT NULL REFERENCES observers ON DELETE CASCADE,
    PRIMARY KEY (incident_id, observer_id)
);
CREATE INDEX incident_observers_observer ON incident_observers (observer_id, incident_id);

-- An incident's reports, copied from its workflow when notified: deadlines are data. A stage in
-- use cannot be removed from its workflow (NO ACTION), which locks the workflow's structure.
CREATE TABLE incident_reports (
    incident_id uuid NOT NULL REFERENCES incidents ON DELETE CASCADE,
    stage_id uuid NOT NULL REFERENCES report_stages,
    report_type_id uuid NOT NULL REFERENCES report_types,
    position integer NOT NULL,
    trigger text NOT NULL CHECK (trigger IN ('none', 'notification', 'detection', 'previousReportSubmitted')),
    delay_hours integer NOT NULL,
    -- When the clock started (NULL: not yet, or no trigger) and when the report is due.
    triggered_at timestamptz,
    due_at timestamptz,
    first_submitted_at timestamptz,
    -- Decided at first submission, never recomputed.
    late boolean,
    -- Set by the overdue sweep when the due time passed without a submission.
    overdue_at timestamptz,
    PRIMARY KEY (incident_id, stage_id),
    UNIQUE (incident_id, position)
);
CREATE INDEX incident_reports_stage ON incident_reports (stage_id);
CREATE INDEX incident_reports_due ON incident_reports (due_at) WHERE first_submitted_at IS NULL AND due_at IS NOT NULL;

-- Yearly reference numbers per entity; a number is never given twice.
CREATE TABLE incident_reference_counters (
    entity text NOT NULL,
    year integer NOT NULL,
    last_number integer NOT NULL,
    PRIMARY KEY (entity, year)
);

-- `Idempotency-Key`s of creating calls: the same key with the same request answers as the
-- first time; with another request, 422. Kept 24 hours.
CREATE TABLE idempotency_keys (
    user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    key text NOT NULL,
    scope text NOT NULL,
    fingerprint text NOT NULL,
    result jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
