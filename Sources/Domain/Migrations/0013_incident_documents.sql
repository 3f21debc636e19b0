-- Incident PDFs: one per (incident, version or none for the whole incident, incident revision,
-- language), rendered by the worker into `documents` under the same id; a newer revision of the
-- incident gets new ones.
-- Trackable jobs name what they make, so `GET /api/v1/jobs/{id}` answers whoever may see it.

CREATE TABLE incident_documents (
    id uuid PRIMARY KEY,
    incident_id uuid NOT NULL REFERENCES incidents ON DELETE CASCADE,
    version_id uuid REFERENCES report_versions ON DELETE CASCADE,
    incident_revision integer NOT NULL,
    language text NOT NULL CHECK (language IN ('en', 'fr', 'nl', 'de')),
    job_id uuid NOT NULL,
    filename text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (incident_id, version_id, incident_revision, language)
);
CREATE INDEX incident_documents_version ON incident_documents (version_id) WHERE version_id IS NOT NULL;

-- The object a tracked job works for (its kind and id), and where its result is served.
CREATE TABLE job_subjects (
    job_id uuid PRIMARY KEY,
    subject_type text NOT NULL,
    subject_id uuid NOT NULL,
    result_path text
);
CREATE INDEX job_subjects_subject ON job_subjects (subject_type, subject_id);
