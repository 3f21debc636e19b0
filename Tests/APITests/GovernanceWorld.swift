@testable import API
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Two of each organisation, with a user in every role, written straight to the database so
/// the tests exercise the API only where they mean to.
struct GovernanceWorld {
    static let password = "Sturdy-Governance-Pass-2026"

    let fixture: AuthFixture
    var platform: Platform { fixture.platform }
    // Organisations.
    let regulator1 = UUID(), regulator2 = UUID(), observer1 = UUID(), observer2 = UUID(), operator1 = UUID(), operator2 = UUID()
    // Reference data.
    let energy = UUID(), electricity = UUID(), gas = UUID(), regulation = UUID(), publicCategory = UUID(), privateCategory = UUID()
    // Users: one per role in the first organisation of each kind, a few in the second.
    let regulatorAdmin1 = UUID(), regulatorUser1 = UUID(), regulatorAdmin2 = UUID(), regulatorUser2 = UUID()
    let observerAdmin1 = UUID(), observerUser1 = UUID(), observerAdmin2 = UUID(), observerUser2 = UUID()
    let operatorAdmin1 = UUID(), operatorUser1 = UUID(), operatorAdmin2 = UUID(), operatorUser2 = UUID()
    let independent = UUID()
    /// Incident configuration: a question category of each regulator, and (written by
    /// ``insertIncidentConfiguration()``) a reminder template, an impact, a question, a report type
    /// and a workflow of each.
    let category1 = UUID(), category2 = UUID()
    let template1 = UUID(), template2 = UUID(), impact1 = UUID(), impact2 = UUID(), question1 = UUID(), question2 = UUID()
    let reportType1 = UUID(), reportType2 = UUID(), workflow1 = UUID(), workflow2 = UUID()
    /// An incident of the first operator to the first regulator in electricity, routed to the
    /// first observer, through a workflow of its own with one report (the first report type)
    /// submitted once; and one of the second operator to the second regulator in gas, routed to
    /// no observer.
    let incidentWorkflow = UUID(), incidentStage = UUID(), incident1 = UUID(), version1 = UUID()
    let incidentWorkflow2 = UUID(), incidentStage2 = UUID(), incident2 = UUID(), version2 = UUID()
    /// Users the tests act upon (never log in).
    let regulatorVictim = UUID(), operatorVictim = UUID(), independentVictim = UUID()

    init(overrides: [String: String] = [:]) async throws {
        fixture = try await AuthFixture(overrides: overrides)
        let hash = PasswordHasher(iterations: 1_000).hash(Self.password)
        try await platform.postgres.withTransaction { [self] session in
            for (id, name, country) in [(regulator1, "Regulator One", "LU"), (regulator2, "Regulator Two", "BE")] {
                try await session.query("INSERT INTO regulators (id, name, address, country) VALUES ($1, $2::jsonb, 'Main street 1', $3)",
                                        id, #"{"en": "\#(name)", "fr": "\#(name) (fr)"}"#, country)
            }
            for (id, name) in [(observer1, "CSIRT One"), (observer2, "CSIRT Two")] {
                try await session.query("INSERT INTO observers (id, name, address) VALUES ($1, $2::jsonb, 'Cyber street 2')", id,
                                        #"{"en": "\#(name)"}"#)
            }
            try await session.query("INSERT INTO operators (id, identifier, name) VALUES ($1, 'OPONE', 'Operator One'), ($2, 'OPTWO', 'Operator Two')", operator1, operator2)
            try await session.query("""
                INSERT INTO sectors (id, parent_id, name, acronym, created_by_regulator_id) VALUES
                ($1, NULL, '{"en": "Energy", "fr": "Énergie", "de": "Energie"}', 'ENER', NULL),
                ($2, $1, '{"en": "Electricity"}', 'ELEC', $4),
                ($3, $1, '{"en": "Gas"}', 'GAS', $5)
                """, energy, electricity, gas, regulator1, regulator2)
            try await session.query("INSERT INTO regulations (id, label) VALUES ($1, '{\"en\": \"NIS2\"}')", regulation)
            try await session.query("INSERT INTO regulation_regulators (regulation_id, regulator_id) VALUES ($1, $2), ($1, $3)", regulation,
                                    regulator1, regulator2)
            try await session.query("""
                INSERT INTO question_categories (id, regulator_id, label) VALUES ($1, $2, '{"en": "Impact"}'), ($3, $4, '{"en": "Causes"}')
                """, category1, regulator1, category2, regulator2)
            try await session.query("""
                INSERT INTO entity_categories (id, code, label) VALUES ($1, 'PUBLIC', '{"en": "Public"}'), ($2, 'PRIVATE', '{"en": "Private"}')
                """, publicCategory, privateCategory)
            let users: [(UUID, String)] = [
                (regulatorAdmin1, "ra1"), (regulatorUser1, "ru1"), (regulatorAdmin2, "ra2"), (regulatorUser2, "ru2"),
                (observerAdmin1, "oa1"), (observerUser1, "ou1"), (observerAdmin2, "oa2"), (observerUser2, "ou2"),
                (operatorAdmin1, "opa1"), (operatorUser1, "opu1"), (operatorAdmin2, "opa2"), (operatorUser2, "opu2"),
                (independent, "iu"), (regulatorVictim, "victim-regulator"), (operatorVictim, "victim-operator"), (independentVictim,
                    "victim-independent"),
            ]
            for (id, handle) in users {
                try await session.query("""
                    INSERT INTO users (id, email, first_name, last_name, password_hash, terms_accepted_at, email_verified)
                    VALUES ($1, $2, $3, 'Tester', $4, now(), true)
                    """, id, "\(handle)@world.test", handle.uppercased(), hash)
            }
            for (user, regulator, admin) in [(regulatorAdmin1, regulator1, true), (regulatorUser1, regulator1, false),
                (regulatorAdmin2, regulator2, true),
                                              (regulatorUser2, regulator2, false), (regulatorVictim, regulator1, false)] {
                try await session.query("INSERT INTO regulator_memberships (user_id, regulator_id, is_administrator) VALUES ($1, $2, $3)",
                                        user, regulator, admin)
            }
            try await session.query("INSERT INTO regulator_membership_sectors (user_id, sector_id) VALUES ($1, $2)", regulatorUser1, electricity)
            for (user, observer, admin) in [(observerAdmin1, observer1, true), (observerUser1, observer1, false),
                (observerAdmin2, observer2, true), (observerUser2, observer2, false)] {
                try await session.query("INSERT INTO observer_memberships (user_id, observer_id, is_administrator) VALUES ($1, $2, $3)",
                                        user, observer, admin)
            }
            for (user, operatorID, admin) in [(operatorAdmin1, operator1, true), (operatorUser1, operator1, false), (operatorAdmin2, operator2, true),
                                              (operatorUser2, operator2, false), (operatorVictim, operator1, false)] {
                try await session.query("""
                    INSERT INTO operator_memberships (user_id, operator_id, is_administrator, approved_at) VALUES ($1, $2, $3, now())
                    """, user, operatorID, admin)
            }
        }
    }

    /// A reminder template, an impact, a question, a report type and a workflow of each regulator,
    /// and the first operator's incident with one submitted version.
    func insertIncidentConfiguration() async throws {
        try await platform.postgres.withTransaction { [self] session in
            for (regulator, template, impact, question, reportType, workflow) in [
                (regulator1, template1, impact1, question1, reportType1, workflow1), (regulator2, template2, impact2, question2,
                                                                                      reportType2, workflow2),
            ] {
                try await session.query("""
                    INSERT INTO incident_email_templates (id, regulator_id, name, event, subject, content)
                    VALUES ($1, $2, 'Reminder', 'reminder', '{"en": "Reminder"}', '{"en": "Due {{deadline}}."}')
                    """, template, regulator)
                try await session.query("INSERT INTO impacts (id, regulator_id, label) VALUES ($1, $2, '{\"en\": \"Outage\"}')", impact, regulator)
                try await session.query("INSERT INTO impact_regulations (impact_id, regulation_id) VALUES ($1, $2)", impact, regulation)
                try await session.query("""
                    INSERT INTO questions (id, regulator_id, reference, kind, label) VALUES ($1, $2, 'SUMMARY', 'freeText', '{"en": "Summary"}')
                    """, question, regulator)
                try await session.query("""
                    INSERT INTO report_types (id, regulator_id, name, label) VALUES ($1, $2, 'early-warning', '{"en": "Early warning"}')
                    """, reportType, regulator)
                try await session.query("""
                    INSERT INTO notification_workflows (id, regulator_id, regulation_id, name) VALUES ($1, $2, $3, '{"en": "NIS2"}')
                    """, workflow, regulator, regulation)
            }
            let contact = #"{"first_name": "A", "last_name": "B", "title": "", "email": "a@b.test", "phone": "+3522600"}"#
            for (workflow, stage, incident, version, regulator, operatorID, notifier, reportType, sector, observer, reference) in [
                (incidentWorkflow, incidentStage, incident1, version1, regulator1, operator1, operatorAdmin1, reportType1, electricity,
                 observer1 as UUID?, "OPONE_MATRIX_0001"),
                (incidentWorkflow2, incidentStage2, incident2, version2, regulator2, operator2, operatorAdmin2, reportType2, gas, nil,
                 "OPTWO_MATRIX_0001"),
            ] {
                try await session.query("""
                    INSERT INTO notification_workflows (id, regulator_id, regulation_id, name) VALUES ($1, $2, $3, '{"en": "Matrix"}')
                    """, workflow, regulator, regulation)
                // Of its sector only, so that it takes no notification of the other tests here.
                try await session.query("INSERT INTO notification_workflow_sectors (workflow_id, sector_id) VALUES ($1, $2)", workflow, sector)
                try await session.query("""
                    INSERT INTO report_stages (id, workflow_id, regulator_id, report_type_id, position, trigger, delay_hours)
                    VALUES ($1, $2, $3, $4, 0, 'notification', 24)
                    """, stage, workflow, regulator, reportType)
                try await session.query("""
                    INSERT INTO incidents (id, reference, workflow_id, regulator_id, regulation_id, operator_id, notifier_user_id, notifier_name, contact,
                                           technical_contact, notification_type, time_zone, notified_at)
                    VALUES ($1, $8, $2, $3, $4, $5, $6, 'Operator', $7::jsonb, $7::jsonb, 'incident', 'Europe/Luxembourg', now())
                    """, incident, workflow, regulator, regulation, operatorID, notifier, contact, reference)
                try await session.query("INSERT INTO incident_sectors (incident_id, sector_id) VALUES ($1, $2)", incident, sector)
                if let observer {
                    try await session.query("INSERT INTO incident_observers (incident_id, observer_id) VALUES ($1, $2)", incident, observer)
                }
                try await session.query("""
                    INSERT INTO incident_reports (incident_id, stage_id, report_type_id, position, trigger, delay_hours, triggered_at, due_at,
                                                  first_submitted_at, late)
                    VALUES ($1, $2, $3, 0, 'notification', 24, now(), now() + interval '24 hours', now(), false)
                    """, incident, stage, reportType)
                let snapshot = UUID()
                try await session.query("""
                    INSERT INTO questionnaire_snapshots (id, report_type_id, content_hash, content) VALUES ($1, $2, 'matrix', '{"sections": []}')
                    """, snapshot, reportType)
                try await session.query("""
                    INSERT INTO report_versions (id, incident_id, stage_id, number, questionnaire_id, submitted_at, submitter_name, late, time_zone, answers)
                    VALUES ($1, $2, $3, 1, $4, now(), 'Tester', false, 'Europe/Luxembourg', '[]')
                    """, version, incident, stage, snapshot)
            }
        }
    }

    /// The acting users of the permission table, by short name.
    var actors: [(String, String)] {
        [("pa", "ada.admin@regulator.example"), ("ra", "ra1@world.test"), ("ru", "ru1@world.test"), ("oa", "oa1@world.test"),
            ("ou", "ou1@world.test"),
         ("opa", "opa1@world.test"), ("opu", "opu1@world.test"), ("iu", "iu@world.test")]
    }

    /// Logs every actor in (terms accepted), returning their session tokens by short name.
    func sessions(_ client: any TestClientProtocol) async throws -> [String: String] {
        var tokens: [String: String] = [:]
        for (name, email) in actors {
            let password = name == "pa" ? AuthFixture.password : Self.password
            let response = try await login(client, email: email, password: password)
            #expect(response.status == .ok, "login of \(name)")
            let token = try #require(try object(response)["token"] as? String)
            _ = try await client.execute(uri: "/api/v1/users/me/terms", method: .post, headers: bearer(token))
            tokens[name] = token
        }
        return tokens
    }

    /// Logs one user in by e-mail.
    func session(_ client: any TestClientProtocol, _ email: String) async throws -> String {
        let response = try await login(client, email: email, password: Self.password)
        #expect(response.status == .ok, "login of \(email)")
        return try #require(try object(response)["token"] as? String)
    }
}

/// A request with a bearer token and an optional JSON body.
func call(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ token: String, _ body: [String: Any]? = nil,
          headers extra: HTTPFields = [:]) async throws -> TestResponse {
    var headers = bearer(token)
    if body != nil { headers[.contentType] = "application/json" }
    for field in extra { headers.append(field) }
    return try await client.execute(uri: uri, method: method, headers: headers, body: body.map(jsonBody))
}

func array(_ response: TestResponse, _ key: String = "items") throws -> [[String: Any]] {
    try #require(try object(response)[key] as? [[String: Any]])
}

extension UUID {
    var text: String { uuidString.lowercased() }
}
