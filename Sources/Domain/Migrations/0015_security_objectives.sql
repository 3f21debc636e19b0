-- Security objectives: a regulator's standards (maturity levels, ordered domains, objectives and
-- the measures of each objective per level); operators' yearly declarations against them, in
-- versioned groups, with one answer per measure and one assessment per objective (score,
-- completion, planned actions, review status); the declarations' access log.

-- Standards name their submission and review e-mails among the regulator's templates.
ALTER TABLE incident_email_templates DROP CONSTRAINT incident_email_templates_event_check;
ALTER TABLE incident_email_templates ADD CONSTRAINT incident_email_templates_event_check
    CHECK (event IN ('opening', 'submission', 'reviewStatus', 'closing', 'reminder', 'overdue', 'declarationSubmission', 'declarationReview'));

CREATE TABLE standards (
    id uuid PRIMARY KEY,
    regulator_id uuid NOT NULL REFERENCES regulators ON DELETE CASCADE,
    regulation_id uuid NOT NULL,
    label jsonb NOT NULL,
    description jsonb NOT NULL DEFAULT '{}',
    submission_template_id uuid,
    review_template_id uuid,
    submission_event text NOT NULL DEFAULT 'declarationSubmission' CHECK (submission_event = 'declarationSubmission'),
    review_event text NOT NULL DEFAULT 'declarationReview' CHECK (review_event = 'declarationReview'),
    -- The standard this one was copied from (a new version of it).
    copied_from_id uuid REFERENCES standards ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, regulator_id),
    FOREIGN KEY (regulation_id, regulator_id) REFERENCES regulation_regulators (regulation_id, regulator_id),
    FOREIGN KEY (submission_template_id, regulator_id, submission_event) REFERENCES incident_email_templates (id, regulator_id, event),
    FOREIGN KEY (review_template_id, regulator_id, review_event) REFERENCES incident_email_templates (id, regulator_id, event)
);
CREATE INDEX standards_regulator ON standards (regulator_id);
CREATE INDEX standards_submission_template ON standards (submission_template_id) WHERE submission_template_id IS NOT NULL;
CREATE INDEX standards_review_template ON standards (review_template_id) WHERE review_template_id IS NOT NULL;

-- Level 0 conventionally means "nothing in place"; its measures never count in a score.
CREATE TABLE maturity_levels (
    id uuid PRIMARY KEY,
    standard_id uuid NOT NULL REFERENCES standards ON DELETE CASCADE,
    level integer NOT NULL CHECK (level BETWEEN 0 AND 20),
    label jsonb NOT NULL,
    color text NOT NULL DEFAULT '#FFFFFF' CHECK (color ~ '^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$'),
    UNIQUE (standard_id, level),
    UNIQUE (id, standard_id)
);

CREATE TABLE security_domains (
    id uuid PRIMARY KEY,
    standard_id uuid NOT NULL REFERENCES standards ON DELETE CASCADE,
    position integer NOT NULL,
    label jsonb NOT NULL,
    UNIQUE (standard_id, position),
    UNIQUE (id, standard_id)
);

-- An objective belongs to exactly one standard; its code is unique within it (a copy of the
-- standard keeps the codes, so years compare objective by objective).
CREATE TABLE security_objectives (
    id uuid PRIMARY KEY,
    standard_id uuid NOT NULL,
    domain_id uuid NOT NULL,
    FOREIGN KEY (domain_id, standard_id) REFERENCES security_domains (id, standard_id) ON DELETE CASCADE,
    code text NOT NULL,
    title jsonb NOT NULL,
    description jsonb NOT NULL DEFAULT '{}',
    -- Order within the standard, and the tie-break of rankings (lower first).
    position integer NOT NULL,
    priority integer NOT NULL DEFAULT 0,
    UNIQUE (standard_id, code),
    UNIQUE (standard_id, position),
    UNIQUE (id, standard_id)
);
CREATE INDEX security_objectives_domain ON security_objectives (domain_id);

-- Every measure has a level of its objective's standard.
CREATE TABLE security_measures (
    id uuid PRIMARY KEY,
    standard_id uuid NOT NULL,
    objective_id uuid NOT NULL,
    maturity_level_id uuid NOT NULL,
    FOREIGN KEY (objective_id, standard_id) REFERENCES security_objectives (id, standard_id) ON DELETE CASCADE,
    FOREIGN KEY (maturity_level_id, standard_id) REFERENCES maturity_levels (id, standard_id) ON DELETE CASCADE,
    position integer NOT NULL,
    description jsonb NOT NULL,
    evidence jsonb NOT NULL DEFAULT '{}',
    UNIQUE (objective_id, maturity_level_id, position),
    UNIQUE (id, objective_id)
);
CREATE INDEX security_measures_level ON security_measures (maturity_level_id);
CREATE INDEX security_measures_standard ON security_measures (standard_id);

-- All versions of one declaration, under one human reference.
CREATE TABLE declaration_groups (
    id uuid PRIMARY KEY,
    reference text NOT NULL UNIQUE,
    operator_id uuid NOT NULL REFERENCES operators ON DELETE CASCADE,
    -- A standard with declarations stays (its deletion answers 409).
    standard_id uuid NOT NULL REFERENCES standards,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX declaration_groups_operator ON declaration_groups (operator_id);
CREATE INDEX declaration_groups_standard ON declaration_groups (standard_id);

-- Yearly reference numbers per operator; a number is never given twice.
CREATE TABLE declaration_reference_counters (
    operator_id uuid NOT NULL REFERENCES operators ON DELETE CASCADE,
    year integer NOT NULL,
    last_number integer NOT NULL,
    PRIMARY KEY (operator_id, year)
);

CREATE TABLE declarations (
    id uuid PRIMARY KEY,
    group_id uuid NOT NULL REFERENCES declaration_groups ON DELETE CASCADE,
    version integer NOT NULL CHECK (version >= 1),
    standard_id uuid NOT NULL,
    regulator_id uuid NOT NULL,
    FOREIGN KEY (standard_id, regulator_id) REFERENCES standards (id, regulator_id),
    operator_id uuid NOT NULL REFERENCES operators ON DELETE CASCADE,
    year integer NOT NULL,
    -- passedPending and revisionRequiredPending: every objective reviewed, verdict not sent yet
    -- (operators see "submitted"); passed and revisionRequired: sent, final for this version.
    status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'submitted', 'passedPending', 'revisionRequiredPending', 'passed', 'revisionRequired')),
    review_comment text NOT NULL DEFAULT '',
    created_by uuid REFERENCES users ON DELETE SET NULL,
    -- Kept when the account or the operator's name changes.
    creator_name text NOT NULL,
    operator_name text NOT NULL,
    submitted_at timestamptz,
    submitted_by uuid REFERENCES users ON DELETE SET NULL,
    review_sent_at timestamptz,
    review_sent_by uuid REFERENCES users ON DELETE SET NULL,
    imported_by uuid REFERENCES users ON DELETE SET NULL,
    -- Bumped by every change: the declaration's ETag.
    revision integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (group_id, version)
);
CREATE INDEX declarations_regulator ON declarations (regulator_id, updated_at DESC, id DESC) WHERE status <> 'draft';
CREATE INDEX declarations_operator ON declarations (operator_id, updated_at DESC, id DESC);
CREATE INDEX declarations_standard ON declarations (standard_id);
CREATE INDEX declarations_created ON declarations (created_at);

CREATE TABLE declaration_sectors (
    declaration_id uuid NOT NULL REFERENCES declarations ON DELETE CASCADE,
    sector_id uuid NOT NULL REFERENCES sectors,
    PRIMARY KEY (declaration_id, sector_id)
);
CREATE INDEX declaration_sectors_sector ON declaration_sectors (sector_id);

-- One row per objective of the standard, made with the declaration.
CREATE TABLE objective_assessments (
    declaration_id uuid NOT NULL REFERENCES declarations ON DELETE CASCADE,
    objective_id uuid NOT NULL REFERENCES security_objectives,
    position integer NOT NULL,
    score numeric(5, 2) NOT NULL DEFAULT 0,
    completion text NOT NULL DEFAULT 'notStarted' CHECK (completion IN ('notStarted', 'partial', 'complete')),
    planned_actions text NOT NULL DEFAULT '',
    review_status text NOT NULL DEFAULT 'notReviewed' CHECK (review_status IN ('notReviewed', 'passed', 'revisionRequired')),
    PRIMARY KEY (declaration_id, objective_id)
);
CREATE INDEX objective_assessments_objective ON objective_assessments (objective_id);

-- Stored sparsely: a measure not implemented and without texts has no row.
CREATE TABLE measure_answers (
    declaration_id uuid NOT NULL REFERENCES declarations ON DELETE CASCADE,
    measure_id uuid NOT NULL REFERENCES security_measures,
    is_implemented boolean NOT NULL DEFAULT false,
    justification text NOT NULL DEFAULT '',
    review_comment text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (declaration_id, measure_id)
);
CREATE INDEX measure_answers_measure ON measure_answers (measure_id);

CREATE TABLE declaration_access_log (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    declaration_id uuid NOT NULL REFERENCES declarations ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    user_id uuid REFERENCES users ON DELETE SET NULL,
    user_name text NOT NULL,
    role text NOT NULL,
    side text NOT NULL CHECK (side IN ('operator', 'regulator')),
    organisation_name text NOT NULL,
    action text NOT NULL CHECK (action IN ('created', 'read', 'copied', 'submitted', 'commented', 'reviewSent', 'downloaded', 'imported'))
);
CREATE INDEX declaration_access_log_declaration ON declaration_access_log (declaration_id, at DESC, id DESC);
CREATE INDEX declaration_access_log_user ON declaration_access_log (user_id) WHERE user_id IS NOT NULL;
