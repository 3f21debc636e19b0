"""Checks the examples of openapi.yaml: every operation taking a JSON body has a request example,
every operation answering JSON on success has a response example, and every example (requests,
responses, webhooks) is valid against its schema (JSON Schema 2020-12, formats checked).
Prints a count, or each problem and exits 1. Run by ContractTests; usable alone:
    var/python/bin/python scripts/check_examples.py openapi.yaml
"""
import sys

import jsonschema
import yaml

spec = yaml.safe_load(open(sys.argv[1]))
problems = []
checked = 0


def check(where, media):
    global checked
    schema = media.get("schema")
    examples = []
    if "example" in media:
        examples.append(media["example"])
    examples += [value.get("value") for value in media.get("examples", {}).values() if isinstance(value, dict) and "value" in value]
    if schema is None:
        return bool(examples)
    # The schema inside the whole document, so its $refs to #/components resolve.
    root = dict(spec)
    root["$ref"] = "#/x-example-target"
    root["x-example-target"] = schema
    validator = jsonschema.Draft202012Validator(root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for example in examples:
        checked += 1
        for error in validator.iter_errors(example):
            problems.append(f"{where}: {error.message} at {'/'.join(map(str, error.absolute_path)) or 'the top'}")
    return bool(examples)


def operations():
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield f"{method.upper()} {path}", operation
    for name, item in spec.get("webhooks", {}).items():
        for method, operation in item.items():
            yield f"webhook {name}", operation


for where, operation in operations():
    body = operation.get("requestBody")
    if body:
        for media_type, media in body.get("content", {}).items():
            if not check(f"{where} request {media_type}", media) and media_type == "application/json":
                problems.append(f"{where}: no request example")
    answered_json = answered_example = False
    for code, response in operation.get("responses", {}).items():
        if not str(code).startswith("2") or "$ref" in response:
            continue
        for media_type, media in response.get("content", {}).items():
            has = check(f"{where} {code} {media_type}", media)
            if media_type.endswith("json"):
                answered_json = True
                answered_example = answered_example or has
    if answered_json and not answered_example:
        problems.append(f"{where}: no response example")

for problem in problems:
    print(problem)
print(f"{checked} examples checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
