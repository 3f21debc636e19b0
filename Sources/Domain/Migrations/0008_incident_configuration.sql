-- Incident notification configuration: what a regulator sets up before operators notify.
-- Every object belongs to one regulator. References between objects carry the regulator in a
-- composite foreign key, so one regulator's workflow can never point at another's template,
-- question or report type. References that mark an object "in use" are NO ACTION: deleting a
-- used object fails (the API answers 409), while deleting a whole regulator still cascades.

CREATE TABLE incident_email_templates (
    id uuid PRIMARY KEY,
    regulator_id uuid NOT NULL REFERENCES regulators ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    event text NOT NULL CHECK (event IN ('opening', 'submission', 'reviewStatus', 'closing', 'reminder', 'overdue')),
    subject jsonb NOT NULL CHECK (jsonb_typeof(subject) = 'object' AND subject ? 'en'),
    content jsonb NOT NULL CHECK (jsonb_typeof(content) = 'object' AND content ? 'en'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, regulator_id),
    UNIQUE (id, regulator_id, event)
);
CREATE INDEX incident_email_templates_regulator ON incident_email_templates (regulator_id);

CREATE TABLE impacts (
    id uuid PRIMARY KEY,
    regulator_id uuid NOT NULL REFERENCES regulators ON DELETE CASCADE,
    label jsonb NOT NULL CHECK (jsonb_typeof(label) = 'object' AND label ? 'en'),
    headline jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(headline) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX impacts_regulator ON impacts (regulator_id);

CREATE TABLE impact_regulations (
    impact_id uuid NOT NULL REFERENCES impacts ON DELETE CASCADE,
    regulation_id uuid NOT NULL REFERENCES regulations,
    PRIMARY KEY (impact_id, regulation_id)
);
CREATE INDEX impact_regulations_regulation ON impact_regulations (regulation_id);

CREATE TABLE impact_sectors (
    impact_id uuid NOT NULL REFERENCES impacts ON DELETE CASCADE,
    sector_id uuid NOT NULL REFERENCES sectors,
    PRIMARY KEY (impact_id, sector_id)
);
CREATE INDEX impact_sectors_sector ON impact_sectors (sector_id);

CREATE TABLE question_categories (
    id uuid PRIMARY KEY,
    regulator_id uuid NOT NULL REFERENCES regulators ON DELETE CASCADE,
    label jsonb NOT NULL CHECK (jsonb_typeof(label) = 'object' AND label ? 'en'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, regulator_id)
);
CREATE INDEX question_categories_regulator ON question_categories (regulator_id);

CREATE TABLE questions (
    id uuid PRIMARY KEY,
    regulator_id uuid NOT NULL REFERENCES regulators ON DELETE CASCADE,
    reference text NOT NULL CHECK (length(reference) BETWEEN 1 AND 255),
    kind text NOT NULL CHECK (kind IN ('freeText', 'singleChoice', 'singleChoiceWithDetail', 'multipleChoice',
                                       'multipleChoiceWithDetail', 'date', 'countryList', 'regionList')),
    label jsonb NOT NULL CHECK (jsonb_typeof(label) = 'object' AND label ? 'en'),
    tooltip jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(tooltip) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, regulator_id)
);
-- References are unique per regulator, whatever their case (the reference made them unique
-- platform-wide, so one regulator's choice blocked another's).
CREATE UNIQUE INDEX questions_reference ON questions (regulator_id, lower(reference));

-- The predefined answers of a choice question, in order. Ids stay stable across edits: a
-- submitted answer names the option it chose.
CREATE TABLE question_options (
    id uuid PRIMARY KEY,
    question_id uuid NOT NULL REFERENCES questions ON DELETE CASCADE,
    position integer NOT NULL CHECK (position >= 0),
    label jsonb NOT NULL CHECK (jsonb_typeof(label) = 'object' AND label ? 'en'),
    CONSTRAINT question_options_position UNIQUE (question_id, position) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE report_types (
    id uuid PRIMARY KEY,
    regulator_id uuid NOT NULL REFERENCES regulators ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    label jsonb NOT NULL CHECK (jsonb_typeof(label) = 'object' AND label ? 'en'),
    description jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(description) = 'object'),
    impacts_needed boolean NOT NULL DEFAULT false,
    submission_template_id uuid,
    submission_event text NOT NULL DEFAULT 'submission' CHECK (submission_event = 'submission'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, regulator_id),
    FOREIGN KEY (submission_template_id, regulator_id, submission_event) REFERENCES incident_email_templates (id, regulator_id, event)
);
CREATE UNIQUE INDEX report_types_name ON report_types (regulator_id, lower(name));

-- A report type's questionnaire: categories in order, questions in order within each.
CREATE TABLE questionnaire_items (
    report_type_id uuid NOT NULL,
    regulator_id uuid NOT NULL,
    question_id uuid NOT NULL,
    category_id uuid NOT NULL,
    category_position integer NOT NULL CHECK (category_position >= 0),
    position integer NOT NULL CHECK (position >= 0),
    mandatory boolean NOT NULL DEFAULT false,
    PRIMARY KEY (report_type_id, question_id),
    FOREIGN KEY (report_type_id, regulator_id) REFERENCES report_types (id, regulator_id) ON DELETE CASCADE,
    FOREIGN KEY (question_id, regulator_id) REFERENCES questions (id, regulator_id),
    FOREIGN KEY (category_id, regulator_id) REFERENCES question_categories (id, regulator_id)
);
CREATE INDEX questionnaire_items_question ON questionnaire_items (question_id);
CREATE INDEX questionnaire_items_category ON questionnaire_items (category_id);

-- A notification workflow: for one regulation and regulator, the reports an operator files,
-- in order, each with its deadline rule.
CREATE TABLE notification_workflows (
    id uuid PRIMARY KEY,
    regulator_id uuid NOT NULL,
    regulation_id uuid NOT NULL,
    name jsonb NOT NULL CHECK (jsonb_typeof(name) = 'object' AND name ? 'en'),
    detection_date_needed boolean NOT NULL DEFAULT false,
    opening_template_id uuid,
    closing_template_id uuid,
    review_status_template_id uuid,
    overdue_template_id uuid,
    opening_event text NOT NULL DEFAULT 'opening' CHECK (opening_event = 'opening'),
    closing_event text NOT NULL DEFAULT 'closing' CHECK (closing_event = 'closing'),
    review_status_event text NOT NULL DEFAULT 'reviewStatus' CHECK (review_status_event = 'reviewStatus'),
    overdue_event text NOT NULL DEFAULT 'overdue' CHECK (overdue_event = 'overdue'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, regulator_id),
    -- Only a regulation the regulator is competent for.
    FOREIGN KEY (regulation_id, regulator_id) REFERENCES regulation_regulators (regulation_id, regulator_id) ON DELETE CASCADE,
    FOREIGN KEY (opening_template_id, regulator_id, opening_event) REFERENCES incident_email_templates (id, regulator_id, event),
    FOREIGN KEY (closing_template_id, regulator_id, closing_event) REFERENCES incident_email_templates (id, regulator_id, event),
    FOREIGN KEY (review_status_template_id, regulator_id, review_status_event) REFERENCES incident_email_templates (id, regulator_id, event),
    FOREIGN KEY (overdue_template_id, regulator_id, overdue_event) REFERENCES incident_email_templates (id, regulator_id, event)
);
CREATE INDEX notification_workflows_regulator ON notification_workflows (regulator_id);
CREATE INDEX notification_workflows_regulation ON notification_workflows (regulation_id);

-- The leaf sectors a workflow applies to; none means "asectorial" (any sectors, or none).
CREATE TABLE notification_workflow_sectors (
    workflow_id uuid NOT NULL REFERENCES notification_workflows ON DELETE CASCADE,
    sector_id uuid NOT NULL REFERENCES sectors,
    PRIMARY KEY (workflow_id, sector_id)
);
CREATE INDEX notification_workflow_sectors_sector ON notification_workflow_sectors (sector_id);

-- The reports of a workflow, in order. A deadline is `delay_hours` after the trigger:
-- none (no deadline), the notification time, the detection time, or the submission of the
-- previous report.
CREATE TABLE report_stages (
    id uuid PRIMARY KEY,
    workflow_id uuid NOT NULL,
    regulator_id uuid NOT NULL,
    report_type_id uuid NOT NULL,
    position integer NOT NULL CHECK (position >= 0),
    trigger text NOT NULL CHECK (trigger IN ('none', 'notification', 'detection', 'previousReportSubmitted')),
    delay_hours integer NOT NULL DEFAULT 0 CHECK (delay_hours BETWEEN 0 AND 87600),
    CHECK (trigger <> 'previousReportSubmitted' OR position > 0),
    UNIQUE (id, regulator_id),
    UNIQUE (workflow_id, report_type_id),
    CONSTRAINT report_stages_position UNIQUE (workflow_id, position) DEFERRABLE INITIALLY DEFERRED,
    FOREIGN KEY (workflow_id, regulator_id) REFERENCES notification_workflows (id, regulator_id) ON DELETE CASCADE,
    FOREIGN KEY (report_type_id, regulator_id) REFERENCES report_types (id, regulator_id)
);
CREATE INDEX report_stages_report_type ON report_stages (report_type_id);

-- Reminder e-mails of a report stage: `offset_hours` before (negative) or after (positive)
-- the stage's due time.
CREATE TABLE stage_reminders (
    id uuid PRIMARY KEY,
    stage_id uuid NOT NULL,
    regulator_id uuid NOT NULL,
    template_id uuid NOT NULL,
    template_event text NOT NULL DEFAULT 'reminder' CHECK (template_event = 'reminder'),
    offset_hours integer NOT NULL CHECK (offset_hours BETWEEN -8760 AND 8760),
    UNIQUE (stage_id, offset_hours),
    FOREIGN KEY (stage_id, regulator_id) REFERENCES report_stages (id, regulator_id) ON DELETE CASCADE,
    FOREIGN KEY (template_id, regulator_id, template_event) REFERENCES incident_email_templates (id, regulator_id, event)
);
CREATE INDEX stage_reminders_template ON stage_reminders (template_id);

-- Questionnaires as they were answered: an immutable copy of a report type's questionnaire
-- (questions, options and labels in every language), keyed by its content hash. Every
-- submitted report version names the snapshot it answered, so later edits of questions or
-- options never change how an old version reads or renders.
CREATE TABLE questionnaire_snapshots (
    id uuid PRIMARY KEY,
    report_type_id uuid NOT NULL REFERENCES report_types ON DELETE CASCADE,
    content_hash text NOT NULL,
    content jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (report_type_id, content_hash)
);
