-- A regulator's competence for a regulation stays while its notification workflows use it:
-- withdrawing it is refused (the API answers 409) instead of deleting the workflows with it.
ALTER TABLE notification_workflows DROP CONSTRAINT notification_workflows_regulation_id_regulator_id_fkey;
ALTER TABLE notification_workflows ADD CONSTRAINT notification_workflows_regulation_id_regulator_id_fkey
    FOREIGN KEY (regulation_id, regulator_id) REFERENCES regulation_regulators (regulation_id, regulator_id);
