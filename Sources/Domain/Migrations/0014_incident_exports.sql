-- Incident exports: asked for by a regulator administrator or an observer member with the export
-- right, built by the worker into `documents` under the export's id, for the one who asked.
CREATE TABLE incident_exports (
    id uuid PRIMARY KEY,
    requested_by uuid REFERENCES users ON DELETE CASCADE,
    -- The side it was asked from: exactly one of them.
    regulator_id uuid REFERENCES regulators ON DELETE CASCADE,
    observer_id uuid REFERENCES observers ON DELETE CASCADE,
    CHECK ((regulator_id IS NULL) <> (observer_id IS NULL)),
    regulation_id uuid NOT NULL,
    workflow_id uuid NOT NULL,
    report_type_id uuid NOT NULL,
    notified_from timestamptz NOT NULL,
    notified_to timestamptz NOT NULL,
    format text NOT NULL CHECK (format IN ('csv', 'json')),
    job_id uuid NOT NULL,
    -- Set once built.
    row_count integer,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incident_exports_requester ON incident_exports (requested_by, created_at DESC);
