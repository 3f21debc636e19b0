-- The regulator's observations for its reports: a catalogue of standard observations (a code
-- unique within the regulator, a translated description, the sectors it suits — none: every
-- sector) and, per (operator, sector, year), an ordered choice from it next to the comment kept
-- on the risk-analysis container (risk_analyses, which exists with or without an import).

CREATE TABLE observation_catalogue (
    id uuid PRIMARY KEY,
    regulator_id uuid NOT NULL REFERENCES regulators ON DELETE CASCADE,
    code text NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
    description jsonb NOT NULL CHECK (jsonb_typeof(description) = 'object' AND description ? 'en'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX observation_catalogue_code ON observation_catalogue (regulator_id, lower(code));

CREATE TABLE observation_catalogue_sectors (
    observation_id uuid NOT NULL REFERENCES observation_catalogue ON DELETE CASCADE,
    sector_id uuid NOT NULL REFERENCES sectors ON DELETE CASCADE,
    PRIMARY KEY (observation_id, sector_id)
);

-- A catalogue entry in use is not deleted (RESTRICT): past reports keep their observations.
CREATE TABLE analysis_observations (
    analysis_id uuid NOT NULL REFERENCES risk_analyses ON DELETE CASCADE,
    observation_id uuid NOT NULL REFERENCES observation_catalogue ON DELETE RESTRICT,
    position integer NOT NULL CHECK (position >= 0),
    PRIMARY KEY (analysis_id, observation_id),
    UNIQUE (analysis_id, position) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX analysis_observations_observation ON analysis_observations (observation_id);
