"""Path ids a role reaches, for scripts/conformance_hooks.py (written before each role's run).

    conformance_ids.py URL TOKEN DATABASE OUT

Every id of the demo data that can fill a path parameter (from PostgreSQL, through `psql`),
kept for a parameter only when the role's own `GET` of that object answers 200, so the ids a
role's run is given are the ones it reaches, as a user of that role would see them. Paths with
several ids get whole combinations that belong together (an incident and one of its stages, a
declaration and a measure of its standard, a membership's organisation and user). Writes
`{"ids": {parameter: [ids]}, "tuples": {path: [{parameter: id}]}}` to OUT.
"""

import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.request

import yaml

url, token, database, out = sys.argv[1:]

# parameter -> the table whose ids are its candidates.
TABLES = {
    "operator_id": "operators", "regulator_id": "regulators", "observer_id": "observers", "user_id": "users",
    "sector_id": "sectors", "regulation_id": "regulations", "category_id": "entity_categories",
    "template_id": "incident_email_templates", "impact_id": "impacts", "question_category_id": "question_categories",
    "question_id": "questions", "report_type_id": "report_types", "workflow_id": "notification_workflows",
    "incident_id": "incidents", "version_id": "report_versions", "job_id": "outbox", "standard_id": "standards",
    "declaration_id": "declarations", "project_id": "reporting_projects", "analysis_id": "risk_analyses",
    "generation_id": "report_generations", "webhook_id": "webhook_subscriptions",
    "observation_id": "observation_catalogue", "export_id": "incident_exports",
}
# parameter -> (table, column, parameter): candidates are the rows whose `column` names an object
# of that other parameter the role reaches (a webhook's deliveries), where no path reads one alone.
OWNED = {"delivery_id": ("webhook_deliveries", "subscription_id", "webhook_id")}

# path -> the SQL that lists the combinations of its parameters that belong together.
TUPLES = {
    "/api/v1/incidents/{incident_id}/reports/{stage_id}":
        "SELECT incident_id, stage_id FROM incident_reports",
    "/api/v1/declarations/{declaration_id}/measures/{measure_id}":
        "SELECT d.id, m.id FROM declarations d JOIN security_measures m ON m.standard_id = d.standard_id",
    "/api/v1/declarations/{declaration_id}/objectives/{objective_id}":
        "SELECT d.id, o.id FROM declarations d JOIN security_objectives o ON o.standard_id = d.standard_id",
    "/api/v1/regulators/{regulator_id}/members/{user_id}": "SELECT regulator_id, user_id FROM regulator_memberships",
    "/api/v1/observers/{observer_id}/members/{user_id}": "SELECT observer_id, user_id FROM observer_memberships",
    "/api/v1/operators/{operator_id}/members/{user_id}": "SELECT operator_id, user_id FROM operator_memberships",
    "/api/v1/observers/{observer_id}/routing-rules/{regulation_id}":
        "SELECT o.id, r.id FROM observers o CROSS JOIN regulations r",
    "/api/v1/operators/{operator_id}/observations/{sector_id}/{year}":
        "SELECT operator_id, sector_id, y FROM operator_sectors CROSS JOIN generate_series("
        "extract(year FROM now())::int - 1, extract(year FROM now())::int) y",
    # One parameter read by two paths, each of its own table.
    "/api/v1/standard-imports/{import_id}": "SELECT id FROM standard_imports",
    "/api/v1/risk-analysis-imports/{import_id}": "SELECT id FROM risk_analysis_imports",
}


def rows(sql):
    result = subprocess.run(["psql", "-d", database, "-tAF", "\t", "-c", sql], check=True, capture_output=True, text=True)
    return [line.split("\t") for line in result.stdout.splitlines() if line]


def status(path):
    request = urllib.request.Request(url + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def reaches(path):
    return status(path) == 200


def me():
    request = urllib.request.Request(url + "/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["id"]


# What only its requester reads, made for the role's own account: an incident export (of its
# regulator or observer, if it has one), a standard sheet import and a MONARC import, each
# waiting on a job no worker takes here, so the operations reading them reach real ones; and an
# export of another account, which no role reaches.
user = me()
rows(f"""
    WITH jobs AS (
        INSERT INTO outbox (id, kind, queue, payload) SELECT gen_random_uuid(), 'noop', 'default', '{{}}' FROM generate_series(1, 3)
        RETURNING id),
    numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM jobs),
    side AS (
        SELECT (SELECT regulator_id FROM regulator_memberships WHERE user_id = '{user}' LIMIT 1) AS regulator_id,
               (SELECT observer_id FROM observer_memberships WHERE user_id = '{user}' LIMIT 1) AS observer_id),
    export AS (
        INSERT INTO incident_exports (id, requested_by, regulator_id, observer_id, regulation_id, workflow_id, report_type_id,
                                      notified_from, notified_to, format, job_id)
        SELECT gen_random_uuid(), '{user}', side.regulator_id, CASE WHEN side.regulator_id IS NULL THEN side.observer_id END,
               w.regulation_id, w.id, s.report_type_id, now() - interval '1 year', now(), 'csv', (SELECT id FROM numbered WHERE n = 1)
        FROM side, notification_workflows w JOIN report_stages s ON s.workflow_id = w.id
        WHERE side.regulator_id IS NOT NULL OR side.observer_id IS NOT NULL LIMIT 1 RETURNING id),
    others AS (
        INSERT INTO incident_exports (id, requested_by, regulator_id, regulation_id, workflow_id, report_type_id,
                                      notified_from, notified_to, format, job_id)
        SELECT gen_random_uuid(), m.user_id, m.regulator_id, w.regulation_id, w.id, s.report_type_id, now() - interval '1 year',
               now(), 'csv', (SELECT id FROM numbered WHERE n = 1)
        FROM regulator_memberships m, notification_workflows w JOIN report_stages s ON s.workflow_id = w.id
        WHERE m.user_id <> '{user}' LIMIT 1 RETURNING id),
    sheet AS (
        INSERT INTO standard_imports (id, standard_id, requested_by, token_id, sheet, language, format, dry_run, job_id, size_bytes)
        SELECT gen_random_uuid(), id, '{user}', gen_random_uuid(), 'objectives', 'en', 'csv', true, (SELECT id FROM numbered WHERE n = 2), 0
        FROM standards LIMIT 1 RETURNING id),
    analysis AS (
        INSERT INTO risk_analysis_imports (id, requested_by, token_id, operator_id, sector_ids, year, job_id, size_bytes)
        SELECT gen_random_uuid(), '{user}', gen_random_uuid(), operator_id, ARRAY[sector_id], extract(year FROM now())::int,
               (SELECT id FROM numbered WHERE n = 3), 0
        FROM operator_sectors LIMIT 1 RETURNING id)
    SELECT (SELECT count(*) FROM export), (SELECT count(*) FROM others), (SELECT count(*) FROM sheet), (SELECT count(*) FROM analysis)
""")


spec = yaml.safe_load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "openapi.yaml"), encoding="utf-8"))
# parameter -> the path that reads one object by it alone (`/api/v1/sectors/{sector_id}`).
readers = {}
for path, operations in spec["paths"].items():
    names = re.findall(r"\{(\w+)\}", path)
    if len(names) == 1 and path.endswith("{%s}" % names[0]) and "get" in operations:
        readers.setdefault(names[0], path)

ids = {}
in_demo = set()  # parameters of which the demo data has objects, reached or not
for name, table in TABLES.items():
    candidates = [row[0] for row in rows(f"SELECT id FROM {table}")]
    if candidates:
        in_demo.add(name)
    reader = readers.get(name)
    if reader is not None:
        candidates = [value for value in candidates if reaches(reader.replace("{%s}" % name, value))]
    ids[name] = candidates
for name, (table, column, owner) in OWNED.items():
    candidates = rows(f"SELECT id, {column} FROM {table}")
    if candidates:
        in_demo.add(name)
    ids[name] = [value for value, parent in candidates if parent in ids[owner]]

tuples = {}
tuples_in_demo = set()  # paths of which the demo data has combinations, reached or not
for path, sql in TUPLES.items():
    names = re.findall(r"\{(\w+)\}", path)
    combinations = [dict(zip(names, row)) for row in rows(sql)]
    if combinations:
        tuples_in_demo.add(path)
    if "get" in spec["paths"].get(path, {}):
        # A path that reads one combination: those the role reads through it.
        tuples[path] = [c for c in combinations if reaches(path.format(**c))]
        continue
    # Only combinations whose every part the role reaches, where that is known.
    tuples[path] = [c for c in combinations if all(n not in readers or c[n] in ids.get(n, []) for n in names)]


def filled(path):
    """The path with reached ids in place, or None when the role reaches none that fit."""
    for prefix, combinations in tuples.items():
        if path.startswith(prefix):
            if not combinations:
                return None
            return path.format(**combinations[0])
    values = {}
    for name in re.findall(r"\{(\w+)\}", path):
        if not ids.get(name):
            return None
        values[name] = ids[name][0]
    return path.format(**values)


# What lies outside the role's reach, left out of its run (the permission matrix of the Swift
# tests checks those refusals for every role): an operation whose path names a kind of object
# of which the demo data has some and the role reaches none (`/api/v1/incidents/{incident_id}`
# for the platform administrator), and one under a path whose `GET` answers 404 with the ids
# the role reaches (an observer's members for a regulator administrator; `/api/v1/standards`
# and all below it where the role's organisation has no security objectives module), unless a
# PUT of that same path creates what is read and the role reads the object it belongs to (a
# report logo answers 404 until one is set).
unreached = []
for path, operations in spec["paths"].items():
    if path.startswith("/api/") and "get" in operations:
        target = filled(path)
        if target is None or status(target) != 404:
            continue
        parent = path.rsplit("/", 1)[0]
        if "put" in operations and "get" in spec["paths"].get(parent, {}) and filled(parent) and reaches(filled(parent)):
            continue
        unreached.append(path)
excluded = []
for path, operations in spec["paths"].items():
    beyond = any(name in in_demo and not ids[name] for name in re.findall(r"\{(\w+)\}", path)) or any(
        path.startswith(prefix) and prefix in tuples_in_demo and not combinations for prefix, combinations in tuples.items())
    below = any(path == prefix or path.startswith(prefix + "/") for prefix in unreached)
    if beyond or below:
        excluded += [operation["operationId"] for method, operation in operations.items()
                     if method in ("get", "put", "post", "patch", "delete")]

# Reset and activation links of a demo account no role's run uses, for the link operations.
links = [secrets.token_urlsafe(24) for _ in range(12)]
rows("INSERT INTO action_tokens (id, user_id, purpose, token_hash, expires_at) SELECT gen_random_uuid(), u.id, 'password_reset', t, "
     "now() + interval '1 day' FROM (SELECT id FROM users WHERE email = 'independent@demo.governance.test') u, unnest(ARRAY[%s]) t"
     % ", ".join("'%s'" % hashlib.sha256(link.encode()).hexdigest() for link in links))

json.dump({"ids": ids, "tuples": tuples, "links": links, "me": user}, open(out, "w", encoding="utf-8"))
print("reached:", " ".join(f"{name}:{len(values)}" for name, values in ids.items()))
print("outside the role's reach, left out:", " ".join(sorted(excluded)) or "nothing")
with open(out + ".excluded", "w", encoding="utf-8") as listing:
    listing.write("".join(f"{operation}\n" for operation in sorted(excluded)))
