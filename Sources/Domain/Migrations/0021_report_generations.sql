-- Report configuration and generation. A regulator's configuration per standard replaces the
-- reference's DOCX template: chart palette, logo, cover and section texts per language, and the
-- sections drawn, in order. A generation makes one PDF per (operator, sector, language) of a
-- project's selection, each by its own worker job, and keeps the artefact (the PDF, or a ZIP of
-- them with error_log.txt) as a document; a newer artefact of the project purges the older.

CREATE TABLE report_configurations (
    regulator_id uuid NOT NULL REFERENCES regulators ON DELETE CASCADE,
    standard_id uuid NOT NULL,
    FOREIGN KEY (standard_id, regulator_id) REFERENCES standards (id, regulator_id) ON DELETE CASCADE,
    palette text[] NOT NULL DEFAULT '{}' CHECK (cardinality(palette) <= 20),
    sections text[] NOT NULL CHECK (cardinality(sections) >= 1),
    -- {"en": {"cover_title": ..., "cover_text": ..., "sections": {"<section>": {"title": ..., "intro": ...}}}, ...}
    texts jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(texts) = 'object'),
    logo bytea CHECK (octet_length(logo) <= 524288),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (regulator_id, standard_id)
);
CREATE INDEX report_configurations_standard ON report_configurations (standard_id);

CREATE TABLE report_generations (
    id uuid PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES reporting_projects ON DELETE CASCADE,
    regulator_id uuid NOT NULL REFERENCES regulators ON DELETE CASCADE,
    requested_by uuid REFERENCES users ON DELETE SET NULL,
    requested_by_name text NOT NULL,
    status text NOT NULL CHECK (status IN ('queued', 'running', 'assembling', 'done', 'done_with_errors', 'failed', 'cancelled')),
    -- The pairs left out, with their reason: [{"operator_id", "operator_name", "sector_id", "sector_name", "year", "reason", "message"}].
    skipped jsonb NOT NULL DEFAULT '[]',
    -- Whether the artefact is a ZIP (several items, or pairs left out), decided when it starts.
    batch boolean NOT NULL,
    assembly_job_id uuid,
    artefact_id uuid,
    artefact_filename text,
    artefact_purged_at timestamptz,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
);
CREATE INDEX report_generations_project ON report_generations (project_id, created_at DESC, id DESC);
-- One generation at a time per project.
CREATE UNIQUE INDEX report_generations_active ON report_generations (project_id) WHERE status IN ('queued', 'running', 'assembling');

CREATE TABLE report_generation_items (
    -- Also the id of the item's PDF among the documents.
    id uuid PRIMARY KEY,
    generation_id uuid NOT NULL REFERENCES report_generations ON DELETE CASCADE,
    position integer NOT NULL,
    operator_id uuid NOT NULL,
    operator_name text NOT NULL,
    sector_id uuid NOT NULL,
    sector_name text NOT NULL,
    language text NOT NULL CHECK (language IN ('en', 'fr', 'nl', 'de')),
    filename text NOT NULL,
    status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    error text,
    job_id uuid NOT NULL,
    started_at timestamptz,
    finished_at timestamptz,
    UNIQUE (generation_id, position)
);
-- The watchdog's scan: the items not finished.
CREATE INDEX report_generation_items_open ON report_generation_items (generation_id) WHERE status IN ('queued', 'running');
