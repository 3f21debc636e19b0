-- Standard sheets too large to import within the request: the file waits here for the worker,
-- which imports it as the token that sent it (re-checked then) and records the per-row report
-- or the reason it failed; the file itself is dropped once read.

CREATE TABLE standard_imports (
    id uuid PRIMARY KEY,
    standard_id uuid NOT NULL REFERENCES standards ON DELETE CASCADE,
    requested_by uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    token_id uuid NOT NULL,
    client_address text,
    request_id text,
    sheet text NOT NULL CHECK (sheet IN ('objectives', 'measures')),
    language text NOT NULL CHECK (language IN ('en', 'fr', 'nl', 'de')),
    format text NOT NULL CHECK (format IN ('csv', 'xlsx')),
    dry_run boolean NOT NULL,
    job_id uuid NOT NULL,
    file bytea,
    size_bytes integer NOT NULL,
    -- {"applied": bool, "rows": [...]} once done, or {"kind": ..., "message": ..., "fields": [...]} when refused.
    report jsonb,
    failure jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    CHECK (finished_at IS NULL OR (report IS NULL) <> (failure IS NULL))
);
CREATE INDEX standard_imports_requested_by ON standard_imports (requested_by, created_at DESC);
CREATE INDEX standard_imports_standard ON standard_imports (standard_id);
