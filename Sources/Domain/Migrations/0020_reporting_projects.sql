-- Report projects: a regulator's set of yearly reports on operators (one per operator, sector
-- and language) for a standard, a reference year and the years it is compared with. The
-- selection matrix (operator × sector × year) is derived from the operators' sectors when read;
-- only the chosen rows are stored, so an operator's new sector shows at once and a removed one
-- leaves no row behind in any project.

CREATE TABLE reporting_projects (
    id uuid PRIMARY KEY,
    regulator_id uuid NOT NULL REFERENCES regulators ON DELETE CASCADE,
    author_id uuid REFERENCES users ON DELETE SET NULL,
    author_name text NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    -- The standard never changes (its declarations are what the reports read).
    standard_id uuid NOT NULL,
    FOREIGN KEY (standard_id, regulator_id) REFERENCES standards (id, regulator_id) ON DELETE CASCADE,
    reference_year integer NOT NULL CHECK (reference_year BETWEEN 2000 AND 2999),
    comparison_years integer[] NOT NULL DEFAULT '{}',
    top_ranking integer NOT NULL CHECK (top_ranking IN (3, 5, 10)),
    high_risk_threshold integer NOT NULL CHECK (high_risk_threshold >= 0),
    languages text[] NOT NULL CHECK (cardinality(languages) >= 1 AND languages <@ ARRAY['en', 'fr', 'nl', 'de']),
    copied_from_id uuid REFERENCES reporting_projects ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reporting_projects_regulator ON reporting_projects (regulator_id, updated_at DESC, id DESC);
CREATE INDEX reporting_projects_standard ON reporting_projects (standard_id);

CREATE TABLE reporting_project_sectors (
    project_id uuid NOT NULL REFERENCES reporting_projects ON DELETE CASCADE,
    sector_id uuid NOT NULL REFERENCES sectors ON DELETE CASCADE,
    PRIMARY KEY (project_id, sector_id)
);
CREATE INDEX reporting_project_sectors_sector ON reporting_project_sectors (sector_id);

-- The rows of the matrix chosen for generation.
CREATE TABLE reporting_project_selections (
    project_id uuid NOT NULL REFERENCES reporting_projects ON DELETE CASCADE,
    operator_id uuid NOT NULL REFERENCES operators ON DELETE CASCADE,
    sector_id uuid NOT NULL REFERENCES sectors ON DELETE CASCADE,
    year integer NOT NULL,
    PRIMARY KEY (project_id, operator_id, sector_id, year)
);

-- The matrix reads the operators of a project's sectors.
CREATE INDEX operator_sectors_sector ON operator_sectors (sector_id);
