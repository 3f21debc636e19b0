-- Reminder and overdue e-mails sent, one row per (incident, report, notice, due time): the
-- sweeps insert here before sending, so each goes once whatever the beats do, and a report whose
-- due time changes is reminded again for the new one.
CREATE TABLE incident_deadline_notices (
    incident_id uuid NOT NULL REFERENCES incidents ON DELETE CASCADE,
    stage_id uuid NOT NULL,
    -- A stage reminder's id, or 'overdue'.
    notice text NOT NULL,
    due_at timestamptz NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (incident_id, stage_id, notice, due_at)
);
