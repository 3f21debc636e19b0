-- A generation's scope: the (operator, sector) pairs its items report on. A newer artefact
-- replaces only the artefacts of generations the same person asked for over the same scope, so
-- a regulator user's generation over their sectors never removes an administrator's over all.

CREATE FUNCTION report_generation_scope(generation uuid) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(md5(string_agg(pair, ',' ORDER BY pair)), '')
    FROM (SELECT DISTINCT operator_id::text || '/' || sector_id::text AS pair FROM report_generation_items WHERE generation_id = generation) pairs
$$;

ALTER TABLE report_generations ADD COLUMN scope_key text;
UPDATE report_generations SET scope_key = report_generation_scope(id);
ALTER TABLE report_generations ALTER COLUMN scope_key SET NOT NULL, ALTER COLUMN scope_key SET DEFAULT '';
CREATE INDEX report_generations_scope ON report_generations (project_id, requested_by, scope_key) WHERE artefact_id IS NOT NULL;
