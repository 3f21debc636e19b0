#!/usr/bin/env python3
"""Writes the MONARC export fixtures of the reporting tests (run from this folder).

The files follow the export contract the importer reads (list layout from MONARC 2.13.1 on,
object layout before it); every uuid is derived from a name, so the files are the same on
every run and the tests can name the services and risks they expect.
"""
import json
import uuid

NS = uuid.NAMESPACE_URL


def uid(name):
    return str(uuid.uuid3(NS, "fixture:" + name))


def threat(name, c, i, a):
    return {"uuid": uid("threat:" + name), "label": name, "confidentiality": c, "integrity": i, "availability": a}


def vulnerability(name):
    return {"uuid": uid("vulnerability:" + name), "label": name}


def recommendation(code, description, duedate=None, status=1):
    return {"uuid": uid("recommendation:" + code), "code": code, "description": description, "duedate": duedate, "status": status}


def risk(threat_, vulnerability_, rates, cache, kind, per_criterion, recommendations=(), info=None):
    return {
        "informationRisk": {"uuid": uid("amv:" + (info or threat_["label"] + vulnerability_["label"]))},
        "threat": threat_, "vulnerability": vulnerability_,
        "threatRate": rates[0], "vulnerabilityRate": rates[1],
        "cacheMaxRisk": cache[0], "cacheTargetedRisk": cache[1], "kindOfMeasure": kind,
        "riskConfidentiality": per_criterion[0], "riskIntegrity": per_criterion[1], "riskAvailability": per_criterion[2],
        "recommendations": list(recommendations),
    }


def instance(name, level, position, impacts, risks=(), children=()):
    return {
        "label": name, "level": level, "position": position,
        "asset": {"uuid": uid("asset:" + name)}, "object": {"uuid": uid("object:" + name)},
        "confidentiality": impacts[0], "integrity": impacts[1], "availability": impacts[2],
        "instanceRisks": list(risks), "children": list(children),
    }


def write(name, document):
    with open(name, "w") as f:
        json.dump(document, f, indent=1, ensure_ascii=False)
        f.write("\n")


# small.json: one service whose figures can be checked by hand.
fire = threat("Fire", 0, 0, 1)
theft = threat("Theft", 1, 0, 1)
leak = threat("Disclosure", 1, 0, 0)
tamper = threat("Tampering", 0, 1, 0)
no_backup = vulnerability("No backup")
weak_access = vulnerability("Weak access control")
r1 = recommendation("R-01", "Back up daily", "2026-06-30")
r2 = recommendation("R-02", "Review access rights", {"date": "2025-12-31 00:00:00.000000", "timezone": "Europe/Luxembourg"}, 0)
write("small.json", {
    "monarc_version": "2.13.3",
    "languageCode": "en",
    "instances": [
        instance("Billing service", 1, 1, (3, 3, 3), children=[
            instance("Billing server", 2, 1, (3, 2, 4), risks=[
                # reduction: current 24, residual 12; availability only
                risk(fire, no_backup, (2, 3), (24, 12), 1, (-1, -1, 24), [r1]),
                # acceptance: current 18, residual 18; confidentiality 18 and availability 9
                risk(theft, weak_access, (3, 2), (18, 18), 3, (18, 7, 9), [r1, r2]),
            ]),
            instance("Customer database", 2, 2, (4, 3, 2), risks=[
                # untreated: not in the means
                risk(leak, weak_access, (4, 4), (64, 64), 5, (64, -1, -1)),
                # denial without a current risk: counted, not averaged
                risk(tamper, no_backup, (1, 1), (-1, -1), 2, (-1, 3, -1)),
            ]),
        ]),
    ],
})

# medium.json: 10 services, 500 risks (deterministic), above the inline import size.
threats = [threat(f"Threat {n}", n % 2, (n // 2) % 2, 1) for n in range(20)]
vulnerabilities = [vulnerability(f"Vulnerability {n}") for n in range(25)]
state = 7


def rand(modulo):
    global state
    state = (state * 1103515245 + 12345) % 2**31
    return state % modulo


services = []
count = 0
for s in range(10):
    assets = []
    for a in range(5):
        risks = []
        for k in range(10):
            t, v = threats[rand(20)], vulnerabilities[rand(25)]
            rates = (rand(4) + 1, rand(5) + 1)
            current = rand(60) + 1
            recos = [recommendation(f"M-{count % 40:02d}", f"Measure {count % 40}", f"2026-{count % 12 + 1:02d}-15")] if count % 3 == 0 else []
            risks.append(risk(t, v, rates, (current, max(0, current - rand(20))), rand(5) + 1,
                              (current if t["confidentiality"] else -1, current - 1 if t["integrity"] else -1, current - 2),
                              recos, info=f"s{s}a{a}k{k}"))
            count += 1
        assets.append(instance(f"Service {s} asset {a}", 2, a + 1, (rand(5), rand(5), rand(5)), risks=risks))
    services.append(instance(f"Service {s}", 1, s + 1, (3, 3, 3), children=assets))
write("medium.json", {"monarc_version": "2.13.3", "languageCode": "en", "instances": services})

# services-<year>.json: the same three services over three years, in French; the third root is
# at position 3 (the reference only imported position 1).
for year, shift in ((2024, 0), (2025, -4), (2026, -8)):
    roots = []
    for s, name in enumerate(["Facturation", "Portail client", "Messagerie"]):
        risks = [risk(threats[n], vulnerabilities[n], (2, 2), (max(1, 30 + 5 * n + shift), max(1, 10 + n + shift)), 1 + n % 4,
                      (20, 20, 20), [recommendation(f"S{s}-{n}", f"Mesure {s}.{n}", f"{year}-12-31")], info=f"{name}{n}")
                 for n in range(4 + s)]
        roots.append(instance(name, 1, s + 1, (3, 3, 3), children=[instance(name + " — serveur", 2, 1, (3, 3, 3), risks=risks)]))
    write(f"services-{year}.json", {"monarc_version": "2.14.0", "languageCode": "fr", "instances": roots})

# legacy.json: the object layout of exports before 2.13.1, with indexed labels.
write("legacy.json", {
    "monarc_version": "2.12.5",
    "instances": {
        "10": {
            "instance": {"root": 0, "parent": 0, "asset": uid("asset:Payroll"), "object": uid("object:Payroll"),
                         "label1": "Paie", "label2": "Payroll", "label3": "Lohnabrechnung", "label4": "Loonadministratie", "c": 2, "i": 3, "d": 4},
            "risks": {
                "101": {"id": 101, "threat": 7, "vulnerability": 8, "amv": 9, "threatRate": 2, "vulnerabilityRate": 3,
                        "cacheMaxRisk": 24, "cacheTargetedRisk": 6, "kindOfMeasure": 1},
            },
            "threats": {"7": {"uuid": uid("threat:Flood"), "label2": "Flood", "label1": "Inondation", "c": 0, "i": 1, "a": 1}},
            "vuls": {"8": {"uuid": uid("vulnerability:Basement"), "label2": "Servers in the basement"}},
            "amvs": {"9": {"uuid": uid("amv:flood-basement")}},
            "recos": {"101": {"5": {"uuid": uid("recommendation:L-1"), "code": "L-1", "description": "Move the servers",
                                    "duedate": "2025-03-01", "status": 1}}},
            "children": {},
        },
        "11": {
            "instance": {"root": 10, "parent": 10, "asset": uid("asset:orphan"), "object": uid("object:orphan"), "label2": "Not a root"},
        },
    },
})
