-- Submitted reports: every submission is an immutable version with its timeline, the answers as
-- given, the impacts ticked and the questionnaire snapshot it answered; regulators review a
-- chosen version. The access log records who read, downloaded or changed what.

CREATE TABLE report_versions (
    id uuid PRIMARY KEY,
    incident_id uuid NOT NULL,
    stage_id uuid NOT NULL,
    FOREIGN KEY (incident_id, stage_id) REFERENCES incident_reports (incident_id, stage_id) ON DELETE CASCADE,
    -- 1, 2, ... per report of the incident.
    number integer NOT NULL CHECK (number >= 1),
    questionnaire_id uuid NOT NULL REFERENCES questionnaire_snapshots,
    submitted_at timestamptz NOT NULL,
    submitted_by uuid REFERENCES users ON DELETE SET NULL,
    -- Kept when the account goes.
    submitter_name text NOT NULL,
    -- After the report's due time at this submission (the report's own lateness is its first).
    late boolean NOT NULL,
    -- The timeline as given, and the zone it was given in.
    time_zone text NOT NULL,
    started_at timestamptz,
    detected_at timestamptz,
    resolved_at timestamptz,
    CHECK (started_at IS NULL OR detected_at IS NULL OR started_at <= detected_at),
    CHECK (resolved_at IS NULL OR detected_at IS NULL OR resolved_at >= detected_at),
    -- [{question_id, choices, text, codes, date}], one per question of the snapshot, in its order.
    answers jsonb NOT NULL CHECK (jsonb_typeof(answers) = 'array'),
    review_status text NOT NULL DEFAULT 'unreviewed' CHECK (review_status IN ('unreviewed', 'passed', 'revisionRequired')),
    review_comment text NOT NULL DEFAULT '' CHECK (length(review_comment) <= 10000),
    reviewed_at timestamptz,
    reviewed_by uuid REFERENCES users ON DELETE SET NULL,
    -- Bumped by every review: the version's ETag.
    revision integer NOT NULL DEFAULT 1,
    UNIQUE (incident_id, stage_id, number)
);
CREATE INDEX report_versions_questionnaire ON report_versions (questionnaire_id);

-- An impact ticked in a version stays (NO ACTION: deleting it answers 409).
CREATE TABLE report_version_impacts (
    version_id uuid NOT NULL REFERENCES report_versions ON DELETE CASCADE,
    impact_id uuid NOT NULL REFERENCES impacts,
    PRIMARY KEY (version_id, impact_id)
);
CREATE INDEX report_version_impacts_impact ON report_version_impacts (impact_id);

-- Who did what with an incident, names copied at the time so they outlive the accounts.
CREATE TABLE incident_access_log (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    incident_id uuid NOT NULL REFERENCES incidents ON DELETE CASCADE,
    version_id uuid REFERENCES report_versions ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    user_id uuid REFERENCES users ON DELETE SET NULL,
    user_name text NOT NULL,
    role text NOT NULL,
    -- The side the user acted from: the notifier's, the reviewing regulator's, or an observer's.
    side text NOT NULL CHECK (side IN ('notifier', 'reviewer', 'observer')),
    organisation_name text NOT NULL,
    action text NOT NULL CHECK (action IN ('created', 'submitted', 'read', 'downloaded', 'reviewed', 'changed')),
    document text NOT NULL
);
CREATE INDEX incident_access_log_incident ON incident_access_log (incident_id, at DESC, id DESC);
CREATE INDEX incident_access_log_version ON incident_access_log (version_id) WHERE version_id IS NOT NULL;
CREATE INDEX incident_access_log_user ON incident_access_log (user_id) WHERE user_id IS NOT NULL;
