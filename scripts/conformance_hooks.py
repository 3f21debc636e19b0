"""schemathesis hooks of scripts/conformance (loaded through SCHEMATHESIS_HOOKS).

`named_refusal`: a schema-valid request refused with 422 must be refused for a rule its
operation's allowance in scripts/conformance.toml names, by the problem's `errors[].code`
(`checks.named_refusal.codes`); any other 422 fails the run, so an allowance admits its listed
reasons and only these. With CONFORMANCE_RECORD_REFUSALS set to a file, every such refusal is
also appended there as a JSON line (operation and codes), to review what a run met; with
CONFORMANCE_RECORD_ONLY=1 as well, refusals are recorded and not judged (to draw up allowances).
"""

import json
import os

import schemathesis

RECORD = os.environ.get("CONFORMANCE_RECORD_REFUSALS")


@schemathesis.check
def named_refusal(ctx, response, case):
    """A schema-valid request refused with 422 names only reasons its operation admits."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        problem = json.loads(response.content or b"{}")
    except ValueError as error:
        raise AssertionError(f"a 422 that is no problem document: {error}")
    codes = sorted({str(item.get("code", "?")) for item in problem.get("errors") or []}) or [str(problem.get("type", "?"))]
    if RECORD:
        with open(RECORD, "a", encoding="utf-8") as record:
            record.write(json.dumps({"operation": case.operation.label, "codes": codes}) + "\n")
    if RECORD and os.environ.get("CONFORMANCE_RECORD_ONLY"):
        return None
    admitted = set(ctx.config.custom_kwargs.get("named_refusal", {}).get("codes", []))
    unexpected = [code for code in codes if code not in admitted]
    if unexpected:
        raise AssertionError(
            f"A schema-valid request was refused (422) for {', '.join(unexpected)}, which this operation's allowance in "
            f"scripts/conformance.toml does not name (it names: {', '.join(sorted(admitted)) or 'nothing'}): {problem.get('detail', '')}")
    return None


# A run with the second factor required (CONFORMANCE_TOTP_SECRET set): its session enrolled TOTP
# before the run, and schema-valid requests carry the account's real password and a code valid
# now wherever they ask for them, so the account-security calls get past reauthentication into
# their own logic (a code is accepted once: later ones in the same 30 s step are refused, as
# they must be).
TOTP_SECRET = os.environ.get("CONFORMANCE_TOTP_SECRET")
PASSWORD = os.environ.get("CONFORMANCE_PASSWORD")


def totp_now(secret):
    import base64
    import hashlib
    import hmac
    import struct
    import time

    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def with_credentials(case):
    if not TOTP_SECRET or case.meta is None or not case.meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return
    code_field = "code" if case.path.endswith("/totp/confirm") else "totp_code"
    if isinstance(case.body.get(code_field), str):
        case.body[code_field] = totp_now(TOTP_SECRET)
    for field in ("password", "current_password"):
        if PASSWORD and isinstance(case.body.get(field), str):
            case.body[field] = PASSWORD


# Ids that reach real objects (CONFORMANCE_IDS: what scripts/conformance_ids.py found the role
# reaches). Outside the stateful phase, whose ids come from links, an id the generator drew as a
# well-formed UUID is swapped for a reached one: always in a path (ids that belong together
# swapped together), so the examples, coverage and fuzzing phases get past the lookup into each
# operation's logic and a 404 there means the role may not do it; most of the time in a body's
# `*_id`/`*_ids` field, the rest staying random to exercise the refusals of unknown references
# (the stateful phase's random ids exercise the 404s of unknown paths). A DELETE removes only
# what the run itself created (a POST's 201 earlier in the same run) or a part that an upsert
# of the same path puts back (a routing rule, a configuration), or a reached object of a kind
# the role was refused creating (never its own account): the demo data the other operations
# read is not deleted, and each DELETE operation deletes once per phase. A link
# to choose a password takes one of the reset links seeded for the run, each used once.
import random
import re
import threading

IDS = json.load(open(os.environ["CONFORMANCE_IDS"], encoding="utf-8")) if os.environ.get("CONFORMANCE_IDS") else None
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SWAPPED = 0.85
lock = threading.Lock()
draw = random.Random(2026)
created = {}  # item path -> [path parameters of an object this run created]
deleted = set()  # (operation, phase) that deleted something
refused = set()  # collection paths whose POST the role was refused (403, 404)


def phase_of(case):
    return case.meta.phase.name.value if case.meta is not None else ""


def target_of(path):
    """The parameter a path ends with (`/api/v1/sectors/{sector_id}` -> sector_id), if any."""
    match = re.search(r"\{(\w+)\}$", path)
    return match.group(1) if match else None


def reached(case):
    if IDS is None or case.meta is None or not case.meta.generation.mode.is_positive or phase_of(case) == "stateful":
        return
    if case.operation.path == "/api/v1/auth/set-password" and isinstance(case.body, dict) and isinstance(case.body.get("token"), str):
        with lock:
            if IDS["links"]:
                case.body["token"] = IDS["links"].pop()
        return
    with lock:
        if case.path_parameters:
            in_path(case)
        if isinstance(case.body, dict):
            in_body(case.body)


def in_path(case):
    parameters = case.path_parameters
    path = case.operation.path
    target = target_of(path)
    spared = False
    if case.method.upper() == "DELETE" and target is not None:
        if (case.operation.label, phase_of(case)) in deleted:
            return
        mine = created.get(path)
        if mine:
            parameters.update(mine[-1])
            return
        paths = case.operation.schema.raw_schema["paths"]
        upserted = "put" in paths.get(path, {})
        collection = path.rsplit("/", 1)[0]
        # Where the role may not create the kind, it may mostly not delete it either (the
        # permission matrix): a reached object shows the refusal. Some roles delete what they
        # do not create (a regulator administrator, declarations): the first reached object of
        # the kind is never taken, so the operations that read it keep one, and what is
        # deleted leaves the pools.
        uncreatable = collection in refused or "post" not in paths.get(collection, {})
        if not upserted and not uncreatable and target != "job_id":
            return
        spared = not upserted and target != "job_id"
    # Never the run's own account where something is deleted (its credentials would end).
    own = (lambda value: value == IDS.get("me")) if case.method.upper() == "DELETE" else (lambda value: False)
    for prefix, combinations in IDS["tuples"].items():
        if path.startswith(prefix) and combinations:
            usable = [c for c in combinations[1 if spared else 0:] if not own(c.get("user_id"))]
            if usable:
                parameters.update({k: int(v) if k == "year" else v for k, v in draw.choice(usable).items()})
            return
    for name, value in list(parameters.items()):
        pool = [candidate for candidate in IDS["ids"].get(name, [])[1 if spared and name == target else 0:] if not own(candidate)]
        if pool and isinstance(value, str) and UUID.match(value):
            parameters[name] = draw.choice(pool)


def in_body(body):
    """Ids in a body (`user_id`, `sector_ids`) that name reached objects, most of the time."""
    for key, value in list(body.items()):
        if key.endswith("_id") and isinstance(value, str) and UUID.match(value):
            pool = IDS["ids"].get(key)
            if pool and draw.random() < SWAPPED:
                body[key] = draw.choice(pool)
        elif key.endswith("_ids") and isinstance(value, list) and value and all(isinstance(v, str) and UUID.match(v) for v in value):
            pool = IDS["ids"].get(key[:-1])
            if pool and draw.random() < SWAPPED:
                body[key] = list(dict.fromkeys(draw.choice(pool) for _ in value))


def remember(case, response):
    if IDS is None or case.meta is None:
        return
    method = case.method.upper()
    path = case.operation.path
    if method == "POST" and response.status_code in (403, 404) and case.meta.generation.mode.is_positive:
        with lock:
            refused.add(path)
    if response.status_code >= 300:
        return
    with lock:
        if method == "POST" and response.status_code == 201:
            try:
                body = json.loads(response.content or b"{}")
            except ValueError:
                return
            for item in case.operation.schema.raw_schema["paths"]:
                target = target_of(item)
                if target is None or "delete" not in case.operation.schema.raw_schema["paths"][item]:
                    continue
                if item.rsplit("/", 1)[0] == path and isinstance(body, dict):
                    value = body.get("user_id") if target == "user_id" else body.get("id")
                    if isinstance(value, str):
                        created.setdefault(item, []).append({**(case.path_parameters or {}), target: value})
        elif method == "DELETE" and phase_of(case) != "stateful":
            deleted.add((case.operation.label, phase_of(case)))
            gone = dict(case.path_parameters or {})
            if path in created:
                created[path] = [entry for entry in created[path] if entry != gone]
            target = target_of(path)
            if target is not None and gone.get(target) in IDS["ids"].get(target, []):
                IDS["ids"][target].remove(gone[target])
                # And every combination it was part of (a deleted declaration's measures).
                for prefix, combinations in IDS["tuples"].items():
                    IDS["tuples"][prefix] = [c for c in combinations if gone[target] not in c.values()]


@schemathesis.hook
def before_call(context, case, kwargs):
    reached(case)
    with_credentials(case)


@schemathesis.hook
def after_call(context, case, response):
    remember(case, response)
