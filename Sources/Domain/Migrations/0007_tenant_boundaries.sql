-- Tenant boundaries: audit entries keep the organisation their actor belonged to when they
-- happened; accounts remember which regulator or observer they left and which role
-- deactivated them.

-- The regulator or observer the actor belonged to at the time of the event (set on insert).
ALTER TABLE audit_events ADD COLUMN actor_organisation_id uuid;

-- Earlier entries: the actor's current regulator or observer, where their membership already
-- existed when the event happened and the event was made in a staff role (a user belongs to
-- one regulator or observer at a time, so that is where they were).
ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
UPDATE audit_events a SET actor_organisation_id = m.organisation_id
FROM (SELECT user_id, regulator_id AS organisation_id, created_at FROM regulator_memberships
      UNION ALL SELECT user_id, observer_id, created_at FROM observer_memberships) m
WHERE m.user_id = a.actor_id AND m.created_at <= a.occurred_at
  AND a.actor_role IN ('regulatorAdmin', 'regulatorUser', 'observerAdmin', 'observerUser');
ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;

CREATE INDEX audit_events_organisation ON audit_events (organisation_id, id DESC);
CREATE INDEX audit_events_actor_organisation ON audit_events (actor_organisation_id, id DESC);

-- The regulator or observer a user last left: only its administrators may take them back.
ALTER TABLE users ADD COLUMN former_organisation_id uuid;
UPDATE users u SET former_organisation_id = (
    SELECT a.organisation_id FROM audit_events a
    WHERE a.action = 'membership.deleted' AND a.object_id = u.id::text
      AND (EXISTS (SELECT 1 FROM regulators r WHERE r.id = a.organisation_id) OR EXISTS (SELECT 1 FROM observers o WHERE o.id = a.organisation_id))
    ORDER BY a.id DESC LIMIT 1)
WHERE NOT EXISTS (SELECT 1 FROM regulator_memberships m WHERE m.user_id = u.id)
  AND NOT EXISTS (SELECT 1 FROM observer_memberships m WHERE m.user_id = u.id);

-- The role that deactivated the account: a lower role cannot reactivate it.
ALTER TABLE users ADD COLUMN deactivated_by_role text;
UPDATE users u SET deactivated_by_role = (
    SELECT a.actor_role FROM audit_events a
    WHERE a.action IN ('user.deactivated', 'membership.deleted') AND a.object_id = u.id::text
    ORDER BY a.id DESC LIMIT 1)
WHERE NOT u.is_active;
