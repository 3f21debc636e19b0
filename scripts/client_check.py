"""Walks the API through a Python client generated from openapi.yaml (openapi-python-client),
as an integrator's script would: logs in, creates a personal access token, and runs one
workflow of each module against the demo data. Request bodies are built by the generated
models and every answer is parsed by them, so a server that drifts from its contract fails
here. Prints what it did as JSON.

Run by the Swift test "a generated Python client walks every module" (Tests/APITests/ClientTests.swift).
Usage: client_check.py CLIENT_DIR BASE_URL
"""
import datetime
import json
import sys

sys.path.insert(0, sys.argv[1])

from governance_client import AuthenticatedClient, Client  # noqa: E402
from governance_client.api.auth import create_personal_token, login  # noqa: E402
from governance_client.api.governance import get_current_user, list_operators, list_sectors  # noqa: E402
from governance_client.api.incidents import get_incident, get_notification_options, list_incidents, notify_incident  # noqa: E402
from governance_client.api.integrations import list_webhooks  # noqa: E402
from governance_client.api.operations import get_health, get_queue_overview, list_admin_jobs  # noqa: E402
from governance_client.api.reporting import list_report_generations, list_reporting_project_entries, list_reporting_projects  # noqa: E402
from governance_client.api.security_objectives import create_declaration, get_declaration, list_declarations, list_standards  # noqa: E402
from governance_client.models import (  # noqa: E402
    DeclarationCreate, IncidentCreate, ListIncidentsView, LoginRequest, PersonalTokenRequest,
)

BASE = sys.argv[2]
PASSWORD = "Demo-Governance-2026"


def expect(response, *types):
    """The parsed answer, which must be a 2xx of one of the generated model `types`."""
    parsed = response.parsed
    if not 200 <= response.status_code < 300 or type(parsed).__name__ not in types:
        raise SystemExit(f"unexpected answer {response.status_code} ({type(parsed).__name__}, wanted {types}): {response.content[:500]!r}")
    return parsed


def session(account):
    anonymous = Client(base_url=BASE, raise_on_unexpected_status=True)
    answer = expect(login.sync_detailed(client=anonymous, body=LoginRequest(email=f"{account}@demo.governance.test", password=PASSWORD)), "Session")
    return AuthenticatedClient(base_url=BASE, token=answer.token, raise_on_unexpected_status=True)


def main():
    done = {}
    expect(get_health.sync_detailed(client=Client(base_url=BASE)), "GetHealthResponse200", "Health")

    # Auth: a session, then a personal access token for the integration.
    power_session = session("power.admin")
    expiry = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).replace(microsecond=0).isoformat()
    created = expect(create_personal_token.sync_detailed(client=power_session, body=PersonalTokenRequest.from_dict({
        "name": "integration", "scopes": ["governance:read", "incidents:write", "security_objectives:write"],
        "expires_at": expiry, "password": PASSWORD,
    })), "CreatedPersonalToken")
    power = AuthenticatedClient(base_url=BASE, token=created.token, raise_on_unexpected_status=True)
    done["token_prefix"] = created.token[:4]

    # Governance: who am I, my operator, the sectors.
    me = expect(get_current_user.sync_detailed(client=power), "User")
    operator_id = me.affiliations.operators[0].operator_id
    done["operators_seen"] = len(expect(list_operators.sync_detailed(client=power), "OperatorPage").items)
    sectors = expect(list_sectors.sync_detailed(client=power), "SectorList")
    done["sectors"] = len(sectors.items)

    # Incidents: the notification wizard's options, a first notification, reading it back; the regulator sees it.
    options = expect(get_notification_options.sync_detailed(client=power), "NotificationOptions")
    nis2 = next(choice.id for choice in options.regulations if "NIS2" in choice.label)
    regulator = expect(get_notification_options.sync_detailed(client=power, regulation_ids=[nis2]), "NotificationOptions").regulators[0].id
    groups = expect(get_notification_options.sync_detailed(client=power, regulation_ids=[nis2], regulator_ids=[regulator]),
                    "NotificationOptions").sector_groups
    electricity = next(sector.id for group in groups for sector in group.sectors if "Electricity" in sector.label)
    detected = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)).replace(microsecond=0).isoformat()
    notified = expect(notify_incident.sync_detailed(client=power, body=IncidentCreate.from_dict({
        "operator_id": str(operator_id), "regulation_ids": [str(nis2)], "regulator_ids": [str(regulator)], "sector_ids": [str(electricity)],
        "contact": {"first_name": "Iris", "last_name": "Integrator", "email": "iris@powerco.test", "phone": "+352 26 00 00 30"},
        "detected_at": detected, "time_zone": "Europe/Luxembourg", "notification_type": "incident",
    })), "IncidentList")
    incident = notified.items[0]
    read = expect(get_incident.sync_detailed(client=power, incident_id=incident.id), "Incident", "IncidentDetail")
    done["incident"] = read.reference
    done["incident_reports"] = len(read.reports)
    regulator_session = session("regulator.admin")
    reviewed = expect(list_incidents.sync_detailed(client=regulator_session, view=ListIncidentsView.REVIEWER), "IncidentPage")
    done["regulator_sees_incident"] = any(item.id == incident.id for item in reviewed.items)

    # Security objectives: the standards the operator may declare against, a declaration for this year.
    # The demo operator has declared some years already: a year from next to three ago not yet declared.
    standards = expect(list_standards.sync_detailed(client=power), "StandardList")
    existing = expect(list_declarations.sync_detailed(client=power, operator_id=operator_id, limit=200), "DeclarationPage")
    declared = {(item.standard_id, item.year) for item in existing.items}
    this_year = datetime.date.today().year
    standard, year = next((item, year) for year in range(this_year + 1, this_year - 4, -1) for item in standards.items
                          if (item.id, year) not in declared)
    declaration = expect(create_declaration.sync_detailed(client=power, body=DeclarationCreate.from_dict({
        "standard_id": str(standard.id), "year": year, "sector_ids": [str(electricity)], "operator_id": str(operator_id),
    })), "DeclarationDetail")
    read_back = expect(get_declaration.sync_detailed(client=power, declaration_id=declaration.declaration.id), "DeclarationDetail")
    done["declaration"] = read_back.declaration.reference
    done["declaration_objectives"] = len(read_back.objectives)

    # Reporting: the regulator's report project, its selection matrix, its generations.
    projects = expect(list_reporting_projects.sync_detailed(client=regulator_session), "ReportingProjectPage", "ReportingProjectList")
    project = projects.items[0]
    entries = expect(list_reporting_project_entries.sync_detailed(project_id=project.id, client=regulator_session),
                     "ReportingProjectEntryPage", "ReportingProjectEntries", "ReportingProjectEntryList")
    done["project_entries"] = len(entries.items)
    expect(list_report_generations.sync_detailed(project_id=project.id, client=regulator_session), "ReportGenerationPage")

    # Integrations: the regulator's webhooks.
    done["webhooks"] = len(expect(list_webhooks.sync_detailed(client=regulator_session), "WebhookPage", "WebhookList").items)

    # Operations: the platform administrator's view of the jobs the steps above caused.
    admin = session("admin")
    jobs = expect(list_admin_jobs.sync_detailed(client=admin, limit=200), "AdminJobPage")
    done["jobs"] = len(jobs.items)
    done["queues"] = sorted(queue.name for queue in expect(get_queue_overview.sync_detailed(client=admin), "QueueOverview").queues)
    print(json.dumps(done, default=str))


if __name__ == "__main__":
    main()
