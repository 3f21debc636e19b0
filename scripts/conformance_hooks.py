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


@schemathesis.hook
def before_call(context, case, kwargs):
    if not TOTP_SECRET or case.meta is None or not case.meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return
    code_field = "code" if case.path.endswith("/totp/confirm") else "totp_code"
    if isinstance(case.body.get(code_field), str):
        case.body[code_field] = totp_now(TOTP_SECRET)
    for field in ("password", "current_password"):
        if PASSWORD and isinstance(case.body.get(field), str):
            case.body[field] = PASSWORD
