-- Declaration PDFs: one per (declaration, revision, language, side), rendered by the worker into
-- `documents` under the same id. The regulator's rendering shows the review statuses the
-- operator's side may not see yet, so the two sides never share a file. A newer revision gets
-- new ones; the older ones of the same declaration, language and side are deleted then.

CREATE TABLE declaration_documents (
    id uuid PRIMARY KEY,
    declaration_id uuid NOT NULL REFERENCES declarations ON DELETE CASCADE,
    declaration_revision integer NOT NULL,
    language text NOT NULL CHECK (language IN ('en', 'fr', 'nl', 'de')),
    regulator_view boolean NOT NULL,
    job_id uuid NOT NULL,
    filename text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (declaration_id, regulator_view, language, declaration_revision)
);
