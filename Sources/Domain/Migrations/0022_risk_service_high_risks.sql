-- The current risks of each service's treated risks, ascending: a report totals its sector's
-- high risks (those above the project's threshold) from these arrays instead of reading every
-- risk of every operator of the sector.
ALTER TABLE risk_services ADD COLUMN treated_max_risks integer[] NOT NULL DEFAULT '{}';
UPDATE risk_services v SET treated_max_risks = ARRAY(
    SELECT r.max_risk FROM risks r WHERE r.service_id = v.id AND r.treatment <> 'untreated' ORDER BY r.max_risk);
