-- The reporting module's risk analyses: a MONARC export imported by a regulator for one
-- operator, sector and year, reduced to its services (root instances, with their counters and
-- averages), their risks and the recommendations linked to them. One container per (regulator,
-- operator, sector, year) also holds the regulator's comment; a new import replaces the
-- services, risks and recommendations and keeps the comment. Labels are language maps.

CREATE TABLE risk_analyses (
    id uuid PRIMARY KEY,
    regulator_id uuid NOT NULL REFERENCES regulators ON DELETE CASCADE,
    operator_id uuid NOT NULL REFERENCES operators ON DELETE CASCADE,
    sector_id uuid NOT NULL REFERENCES sectors ON DELETE CASCADE,
    year integer NOT NULL CHECK (year BETWEEN 2000 AND 2999),
    comment text NOT NULL DEFAULT '',
    -- Set by the last import; NULL while the container only holds the regulator's remarks.
    monarc_version text,
    labels_language text CHECK (labels_language IN ('en', 'fr', 'nl', 'de')),
    file_name text,
    file_sha256 text,
    risk_count integer NOT NULL DEFAULT 0,
    imported_at timestamptz,
    imported_by uuid REFERENCES users ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (regulator_id, operator_id, sector_id, year)
);
CREATE INDEX risk_analyses_operator ON risk_analyses (operator_id, sector_id, year);
CREATE INDEX risk_analyses_sector ON risk_analyses (sector_id, year);
CREATE INDEX risk_analyses_regulator_year ON risk_analyses (regulator_id, year DESC, id DESC);

CREATE TABLE risk_services (
    id uuid PRIMARY KEY,
    analysis_id uuid NOT NULL REFERENCES risk_analyses ON DELETE CASCADE,
    -- The root instance's derived uuid: the same service in other years and other operators'
    -- analyses of the same MONARC library has the same one.
    service_uuid uuid NOT NULL,
    label jsonb NOT NULL CHECK (jsonb_typeof(label) = 'object'),
    position integer NOT NULL,
    total_risks integer NOT NULL,
    untreated_risks integer NOT NULL,
    treated_risks integer NOT NULL,
    reduced_risks integer NOT NULL,
    denied_risks integer NOT NULL,
    accepted_risks integer NOT NULL,
    shared_risks integer NOT NULL,
    average_current_risk double precision,
    average_residual_risk double precision,
    UNIQUE (analysis_id, service_uuid)
);

CREATE TABLE risks (
    id uuid PRIMARY KEY,
    service_id uuid NOT NULL REFERENCES risk_services ON DELETE CASCADE,
    risk_uuid uuid NOT NULL,
    asset_uuid uuid NOT NULL,
    asset_label jsonb NOT NULL,
    threat_uuid uuid NOT NULL,
    threat_label jsonb NOT NULL,
    vulnerability_uuid uuid NOT NULL,
    vulnerability_label jsonb NOT NULL,
    threat_value integer NOT NULL,
    vulnerability_value integer NOT NULL,
    max_risk integer NOT NULL CHECK (max_risk >= -1),
    residual_risk integer NOT NULL CHECK (residual_risk >= -1),
    risk_c integer NOT NULL CHECK (risk_c >= -1),
    risk_i integer NOT NULL CHECK (risk_i >= -1),
    risk_a integer NOT NULL CHECK (risk_a >= -1),
    impact_c integer NOT NULL,
    impact_i integer NOT NULL,
    impact_a integer NOT NULL,
    treatment text NOT NULL CHECK (treatment IN ('reduction', 'denial', 'acceptance', 'sharing', 'untreated')),
    UNIQUE (service_id, risk_uuid)
);

-- Recommendations belong to their analysis: a later year's import never rewrites the due date
-- or status an earlier year recorded.
CREATE TABLE risk_recommendations (
    id uuid PRIMARY KEY,
    analysis_id uuid NOT NULL REFERENCES risk_analyses ON DELETE CASCADE,
    recommendation_uuid uuid NOT NULL,
    code text NOT NULL,
    description text NOT NULL,
    due_date date,
    status boolean NOT NULL,
    UNIQUE (analysis_id, recommendation_uuid)
);

CREATE TABLE risk_recommendation_links (
    risk_id uuid NOT NULL REFERENCES risks ON DELETE CASCADE,
    recommendation_id uuid NOT NULL REFERENCES risk_recommendations ON DELETE CASCADE,
    PRIMARY KEY (risk_id, recommendation_id)
);
CREATE INDEX risk_recommendation_links_recommendation ON risk_recommendation_links (recommendation_id);

-- Files too large to import within the request wait here for the worker, which imports them as
-- the token that sent them and records the per-sector outcome or the reason it was refused.
CREATE TABLE risk_analysis_imports (
    id uuid PRIMARY KEY,
    requested_by uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    token_id uuid NOT NULL,
    client_address text,
    request_id text,
    operator_id uuid NOT NULL REFERENCES operators ON DELETE CASCADE,
    sector_ids uuid[] NOT NULL,
    year integer NOT NULL,
    file_name text,
    job_id uuid NOT NULL,
    file bytea,
    size_bytes integer NOT NULL,
    result jsonb,
    failure jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    CHECK (finished_at IS NULL OR (result IS NULL) <> (failure IS NULL))
);
CREATE INDEX risk_analysis_imports_requested_by ON risk_analysis_imports (requested_by, created_at DESC);
