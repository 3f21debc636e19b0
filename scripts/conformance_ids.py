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
    "generation_id": "report_generations", "webhook_id": "webhook_subscriptions", "delivery_id": "webhook_deliveries",
    "observation_id": "observation_catalogue",
}

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

tuples = {}
for path, sql in TUPLES.items():
    names = re.findall(r"\{(\w+)\}", path)
    combinations = [dict(zip(names, row)) for row in rows(sql)]
    # Only combinations whose every part the role reaches, where that is known.
    tuples[path] = [c for c in combinations if all(n not in readers or c[n] in ids[n] for n in names)]


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
# PUT of that same path creates what is read (a configuration answers 404 until it is set).
unreached = []
for path, operations in spec["paths"].items():
    if path.startswith("/api/") and "get" in operations and "put" not in operations:
        target = filled(path)
        if target is not None and status(target) == 404:
            unreached.append(path)
excluded = []
for path, operations in spec["paths"].items():
    beyond = any(name in in_demo and not ids[name] for name in re.findall(r"\{(\w+)\}", path))
    below = any(path == prefix or path.startswith(prefix + "/") for prefix in unreached)
    if beyond or below:
        excluded += [operation["operationId"] for method, operation in operations.items()
                     if method in ("get", "put", "post", "patch", "delete")]

# Reset and activation links of a demo account no role's run uses, for the link operations.
links = [secrets.token_urlsafe(24) for _ in range(12)]
rows("INSERT INTO action_tokens (id, user_id, purpose, token_hash, expires_at) SELECT gen_random_uuid(), u.id, 'password_reset', t, "
     "now() + interval '1 day' FROM (SELECT id FROM users WHERE email = 'independent@demo.governance.test') u, unnest(ARRAY[%s]) t"
     % ", ".join("'%s'" % hashlib.sha256(link.encode()).hexdigest() for link in links))

json.dump({"ids": ids, "tuples": tuples, "links": links}, open(out, "w", encoding="utf-8"))
print("reached:", " ".join(f"{name}:{len(values)}" for name, values in ids.items()))
print("outside the role's reach, left out:", " ".join(sorted(excluded)) or "nothing")
with open(out + ".excluded", "w", encoding="utf-8") as listing:
    listing.write("".join(f"{operation}\n" for operation in sorted(excluded)))
