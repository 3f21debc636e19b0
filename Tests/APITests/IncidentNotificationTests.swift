@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// First notifications through the API: one incident per matching workflow, references,
/// deadlines as data, the opening e-mails, idempotency, the daily limit, the acting context and
/// who sees what.
@Suite("Incident notification")
struct IncidentNotificationTests {
    /// The first regulator's NIS2 set-up: an electricity-and-gas workflow (early warning 24 h and
    /// notification 72 h after detection, final report 720 h after the notification), an
    /// asectorial one, an opening template; the first observer receives every NIS2 incident.
    struct Setup {
        var workflow = "", asectorial = "", reportTypes: [String] = []
    }

    static func configure(_ w: GovernanceWorld, _ client: any TestClientProtocol, _ ra: String, asectorial: Bool = false) async throws -> Setup {
        var setup = Setup()
        let opening = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/email-templates", ra, [
            "name": "Opening", "event": "opening", "subject": ["en": "Incident {{reference}} notified"],
            "content": ["en": "Dear {{operator}}, incident **{{reference}}** ({{workflow}}): next deadline {{deadline}}.", "fr": "Incident {{reference}}"]]),
                                                             "opening")
        for name in ["early-warning", "notification", "final-report"] {
            setup.reportTypes.append(try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/report-types", ra, [
                "name": name, "label": ["en": name]]), name))
        }
        let stages: [[String: Any]] = [
            ["report_type_id": setup.reportTypes[0], "trigger": "detection", "delay_hours": 24],
            ["report_type_id": setup.reportTypes[1], "trigger": "detection", "delay_hours": 72],
            ["report_type_id": setup.reportTypes[2], "trigger": "previousReportSubmitted", "delay_hours": 720],
        ]
        setup.workflow = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/notification-workflows", ra, [
            "name": ["en": "NIS2 energy"], "regulation_id": w.regulation.text, "sector_ids": [w.electricity.text, w.gas.text],
            "detection_date_needed": true, "opening_template_id": opening]), "workflow")
        #expect(try await call(client, .put, "/api/v1/notification-workflows/\(setup.workflow)/reports", ra, ["reports": stages]).status == .ok)
        if asectorial {
            setup.asectorial = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/notification-workflows", ra, [
                "name": ["en": "NIS2 other"], "regulation_id": w.regulation.text]), "asectorial")
            #expect(try await call(client, .put, "/api/v1/notification-workflows/\(setup.asectorial)/reports", ra,
                                   ["reports": [["report_type_id": setup.reportTypes[0], "trigger": "notification", "delay_hours": 24]]]).status == .ok)
        }
        try await w.platform.postgres.query("""
            INSERT INTO observer_routing_rules (observer_id, regulation_id, conditions) VALUES ($1, $2, '[]')
            """, w.observer1, w.regulation)
        return setup
    }

    static func notification(_ w: GovernanceWorld, operatorID: UUID? = nil, sectors: [UUID]? = nil, detectedAt: String? = "2026-03-01T14:00:00+01:00",
                             extra: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = [
            "contact": ["first_name": "Marie", "last_name": "Weber", "email": "marie.weber@contact.test", "phone": "+352 26 00 00 01"],
            "technical_contact": ["first_name": "Tom", "last_name": "Kieffer", "email": "tom@tech.test", "phone": "+352 26 00 00 02"],
            "regulation_ids": [w.regulation.text], "regulator_ids": [w.regulator1.text],
            "sector_ids": (sectors ?? [w.electricity]).map(\.text), "time_zone": "Europe/Luxembourg", "notification_type": "incident",
        ]
        if let operatorID { body["operator_id"] = operatorID.text }
        if let detectedAt { body["detected_at"] = detectedAt }
        for (key, value) in extra { body[key] = value }
        return body
    }

    static func items(_ response: TestResponse) throws -> [[String: Any]] {
        #expect(response.status == .created, "\(String(buffer: response.body).prefix(500))")
        return try array(response)
    }

    @Test("an operator's first notification: reference, deadlines from the detection time, observers, opening e-mails to every party")
    func firstNotification() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            let setup = try await Self.configure(w, client, tokens["ra"]!)
            let response = try await call(client, .post, "/api/v1/incidents", tokens["opa"]!, Self.notification(w, operatorID: w.operator1))
            let incidents = try Self.items(response)
            #expect(incidents.count == 1)
            let incident = try #require(incidents.first)
            let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).year!
            #expect(incident["reference"] as? String == "OPONE_ENER_ELEC_0001_\(year)")
            #expect(incident["workflow_id"] as? String == setup.workflow)
            #expect((incident["notifier"] as? [String: Any])?["kind"] as? String == "operator")
            #expect(incident["detected_at"] as? String == "2026-03-01T13:00:00Z")
            let reports = try #require(incident["reports"] as? [[String: Any]])
            #expect(reports.map { $0["due_at"] as? String } == ["2026-03-02T13:00:00Z", "2026-03-04T13:00:00Z", nil])
            #expect(reports.map { $0["status"] as? String } == ["overdue", "overdue", "notSubmitted"])
            #expect(incident["next_deadline"] as? String == "2026-03-02T13:00:00Z")
            #expect((incident["technical_contact"] as? [String: Any])?["email"] as? String == "tom@tech.test")

            // The opening e-mail: one message per recipient, the typed contacts included.
            let emails = try await w.platform.postgres.query("SELECT to_addresses, subject, html_body FROM emails ORDER BY to_addresses")
            let recipients = Set(try emails.flatMap { try $0.decode("to_addresses", as: [String].self) })
            #expect(recipients == ["marie.weber@contact.test", "tom@tech.test", "opa1@world.test", "ra1@world.test", "ru1@world.test",
                                   "oa1@world.test", "ou1@world.test"])
            #expect(emails.count == recipients.count)
            let subject = try #require(try emails.first?.decode("subject", as: String.self))
            #expect(subject == "Incident OPONE_ENER_ELEC_0001_\(year) notified")
            let html = try #require(try emails.first?.decode("html_body", as: String?.self))
            #expect(html.contains("Dear Operator One, incident <strong>OPONE_ENER_ELEC_0001_\(year)</strong> (NIS2 energy): next deadline 2026-03-02 14:00"))
            #expect(html.contains("<h2>Français</h2>"))
            #expect(try await w.platform.postgres.query("SELECT 1 FROM outbox WHERE kind = 'send_email'").count == recipients.count)

            // The second gets the next number; a sector of another root sorts by root acronym.
            let second = try Self.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                                                       Self.notification(w, operatorID: w.operator1, sectors: [w.gas, w.electricity])))
            #expect(second.first?["reference"] as? String == "OPONE_ENER_ELEC_0002_\(year)")
            #expect(Set(second.first?["sector_ids"] as? [String] ?? []) == [w.gas.text, w.electricity.text])

            // The workflow is now in use: it stays, and its reports cannot be removed.
            #expect(try await call(client, .delete, "/api/v1/notification-workflows/\(setup.workflow)", tokens["ra"]!).status == .conflict)
            #expect(try await call(client, .put, "/api/v1/notification-workflows/\(setup.workflow)/reports", tokens["ra"]!,
                                   ["reports": [["report_type_id": setup.reportTypes[0], "trigger": "detection", "delay_hours": 48]]]).status == .conflict)
        }
        await w.platform.shutdown()
    }

    @Test("references: numbered per entity per year, no duplicate under concurrency, a number never given twice")
    func referenceNumbering() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            _ = try await Self.configure(w, client, tokens["ra"]!)
        }
        let principal = Principal(userID: w.operatorAdmin1, email: "opa1@world.test", tokenID: UUID(), tokenKind: .session, scopes: [],
                                  hasAcceptedTerms: true, affiliations: Affiliations(operators: [.init(operatorID: w.operator1, isAdministrator: true,
                                                                                                         isApproved: true)]))
        let input = NotificationInput(operatorID: w.operator1, contact: IncidentContact(firstName: "A", lastName: "B", email: "a@b.test",
                                                                                           phone: "+352 26 00 00 01"),
                                      regulationIDs: [w.regulation], regulatorIDs: [w.regulator1], sectorIDs: [w.electricity],
                                      detectedAt: Date().addingTimeInterval(-3600), timeZone: "Europe/Luxembourg")
        let notification = w.platform.incidents.notification
        let ids = try await withThrowingTaskGroup(of: [UUID].self) { group in
            for _ in 0..<8 { group.addTask { try await notification.notify(principal, input, client: .system) } }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(ids.count == 8)
        let numbers = try await w.platform.postgres.query("SELECT reference FROM incidents").map {
            Int(try $0.decode("reference", as: String.self).split(separator: "_")[3])!
        }
        #expect(numbers.sorted() == Array(1...8))
        // A deleted incident's number is not given again.
        try await w.platform.postgres.query("DELETE FROM incidents WHERE reference LIKE '%\\_0008\\_%'")
        let next = try await notification.notify(principal, input, client: .system)
        let reference = try await w.platform.postgres.query("SELECT reference FROM incidents WHERE id = $1", next[0]).first!.decode("reference", as: String.self)
        #expect(reference.contains("_0009_"))
        await w.platform.shutdown()
    }

    @Test("Idempotency-Key: the same request answers the same incidents; another request with the key is refused")
    func idempotency() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            _ = try await Self.configure(w, client, tokens["ra"]!)
            let opa = tokens["opa"]!
            let body = Self.notification(w, operatorID: w.operator1)
            let firstResponse = try await call(client, .post, "/api/v1/incidents", opa, body, headers: [HTTPField.Name("Idempotency-Key")!: "k-1"])
            let againResponse = try await call(client, .post, "/api/v1/incidents", opa, body, headers: [HTTPField.Name("Idempotency-Key")!: "k-1"])
            let first = try Self.items(firstResponse), again = try Self.items(againResponse)
            #expect(first.map { $0["id"] as? String } == again.map { $0["id"] as? String })
            // The replay says it is one; the first answer does not.
            #expect(firstResponse.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            #expect(againResponse.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try await w.platform.postgres.query("SELECT 1 FROM incidents").count == 1)
            var other = body
            other["cross_border"] = true
            let refused = try await call(client, .post, "/api/v1/incidents", opa, other, headers: [HTTPField.Name("Idempotency-Key")!: "k-1"])
            #expect(try IncidentConfigurationTests.fields(refused) == ["Idempotency-Key"])
            // Another user's key is theirs alone.
            let ou = try Self.items(try await call(client, .post, "/api/v1/incidents", tokens["opu"]!, body,
                                                   headers: [HTTPField.Name("Idempotency-Key")!: "k-1"]))
            #expect(ou.first?["id"] as? String != first.first?["id"] as? String)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM incidents").count == 2)
        }
        await w.platform.shutdown()
    }

    @Test("the daily limit counts incidents, inside the transaction: a notification that would pass it creates nothing")
    func dailyLimit() async throws {
        let w = try await GovernanceWorld(overrides: ["INCIDENT_DAILY_LIMIT": "2"])
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            _ = try await Self.configure(w, client, tokens["ra"]!, asectorial: true)
            let opa = tokens["opa"]!
            // Electricity matches both workflows: two incidents at once, the whole day's allowance.
            #expect(try Self.items(try await call(client, .post, "/api/v1/incidents", opa, Self.notification(w, operatorID: w.operator1))).count == 2)
            let refused = try await call(client, .post, "/api/v1/incidents", opa, Self.notification(w, operatorID: w.operator1))
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM incidents").count == 2)
        }
        await w.platform.shutdown()
    }

    @Test("bad notifications: no matching workflow, missing detection time, wrong acting context, roles that do not notify")
    func refusals() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            _ = try await Self.configure(w, client, tokens["ra"]!)
            let opa = tokens["opa"]!
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/incidents", opa, Self.notification(
                w, operatorID: w.operator1, extra: ["regulator_ids": [w.regulator2.text]]))) == ["regulation_ids"])
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/incidents", opa,
                                                                        Self.notification(w, operatorID: w.operator1, detectedAt: nil))) == ["detected_at"])
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/incidents", opa,
                                                                        Self.notification(w, detectedAt: "2099-01-01T00:00:00Z"))) == ["detected_at"])
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/incidents", opa, Self.notification(w))) == ["operator_id"])
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/incidents", opa,
                                                                        Self.notification(w, operatorID: w.operator2))) == ["operator_id"])
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/incidents", opa, Self.notification(
                w, operatorID: w.operator1, extra: ["time_zone": "Mars/Olympus"]))) == ["time_zone"])
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/incidents", tokens["iu"]!, Self.notification(w)))
                == ["notifier_name"])
            for role in ["pa", "oa"] {
                #expect(try await call(client, .post, "/api/v1/incidents", tokens[role]!, Self.notification(w)).status == .forbidden, "\(role)")
            }
            #expect(try await w.platform.postgres.query("SELECT 1 FROM incidents").count == 0)
            // An independent user and a regulator notify for themselves.
            let independent = try Self.items(try await call(client, .post, "/api/v1/incidents", tokens["iu"]!,
                                                            Self.notification(w, extra: ["notifier_name": "Acme Water & Co"])))
            #expect((independent.first?["reference"] as? String)?.hasPrefix("INDACMEWAT_ENER_ELEC_0001_") == true)
            // The name the independent user chose is marked as theirs wherever it is shown.
            let opening = try await w.platform.postgres.query("SELECT html_body FROM emails WHERE subject LIKE '%INDACMEWAT%'")
            let bodies = try opening.map { try $0.decode("html_body", as: String.self) }
            #expect(!bodies.isEmpty && bodies.allSatisfy { $0.contains("Dear Acme Water &amp; Co (independent notifier), incident") }, "\(bodies.first ?? "")")
            #expect(Incident.shownNotifierName("PowerCo SA", isIndependent: true, in: .fr) == "PowerCo SA (notifiant indépendant)")
            #expect(Incident.shownNotifierName("PowerCo SA", isIndependent: false, in: .de) == "PowerCo SA")
            let independentID = try #require(independent.first?["id"] as? String)
            #expect(try await call(client, .get, "/api/v1/incidents/\(independentID)/pdf", tokens["iu"]!).status == .accepted)
            #expect(try await IncidentReportTests.renderPending(w) == 1)
            let pdf = try await client.execute(uri: "/api/v1/incidents/\(independentID)/pdf", method: .get, headers: [.authorization: "Bearer \(tokens["iu"]!)"])
            #expect(try PDFInspection(Data(buffer: pdf.body)).text.contains("Acme Water & Co (independent notifier)"))
            let byRegulator = try Self.items(try await call(client, .post, "/api/v1/incidents", tokens["ru"]!, Self.notification(w)))
            #expect((byRegulator.first?["reference"] as? String)?.hasPrefix("REGULATORO_ENER_ELEC_0001_") == true)
            #expect((byRegulator.first?["notifier"] as? [String: Any])?["regulator_id"] as? String == w.regulator1.text)
        }
        await w.platform.shutdown()
    }

    @Test("who sees an incident: its operator, its regulator's staff by sector, routed observers, the independent notifier; 404 for others")
    func visibility() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await TenantBoundaryTests.sessions(w, client, extra: ["ra2": "ra2@world.test", "opa2": "opa2@world.test",
                                                                                   "oa2": "oa2@world.test"])
            _ = try await Self.configure(w, client, tokens["ra"]!)
            let electricity = try #require(try Self.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                                                                         Self.notification(w, operatorID: w.operator1))).first?["id"] as? String)
            let gas = try #require(try Self.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                                                                 Self.notification(w, operatorID: w.operator1, sectors: [w.gas]))).first?["id"] as? String)
            let own = try #require(try Self.items(try await call(client, .post, "/api/v1/incidents", tokens["iu"]!,
                                                                 Self.notification(w, extra: ["notifier_name": "Acme"]))).first?["id"] as? String)
            let expectations: [(String, String, HTTPResponse.Status)] = [
                ("opa", electricity, .ok), ("opu", gas, .ok), ("ra", gas, .ok), ("ru", electricity, .ok), ("ru", gas, .notFound),
                ("oa", gas, .ok), ("ou", electricity, .ok), ("oa2", gas, .notFound), ("ra2", electricity, .notFound), ("opa2", electricity, .notFound),
                ("pa", electricity, .notFound), ("iu", electricity, .notFound), ("iu", own, .ok), ("opa", own, .notFound), ("ra", own, .ok),
            ]
            for (actor, incident, status) in expectations {
                let response = try await call(client, .get, "/api/v1/incidents/\(incident)", tokens[actor]!)
                #expect(response.status == status, "\(actor) reads \(incident == gas ? "gas" : incident == own ? "own" : "electricity")")
                if status == .ok { #expect(response.headers[.eTag]?.hasSuffix("-1\"") == true, "\(response.headers)") }
            }
            func listed(_ actor: String, _ query: String) async throws -> Set<String> {
                let response = try await call(client, .get, "/api/v1/incidents\(query)", tokens[actor]!)
                #expect(response.status == .ok, "\(actor) \(query): \(String(buffer: response.body).prefix(300))")
                return Set(try array(response).compactMap { $0["id"] as? String })
            }
            #expect(try await listed("opa", "?operator_id=\(w.operator1.text)") == [electricity, gas])
            #expect(try await listed("ra", "") == [electricity, gas, own])
            #expect(try await listed("ru", "?view=reviewer") == [electricity, own])
            #expect(try await listed("oa", "") == [electricity, gas, own])
            #expect(try await listed("oa2", "").isEmpty)
            #expect(try await listed("iu", "") == [own])
            #expect(try await listed("ra", "?sector_id=\(w.gas.text)") == [gas])
            #expect(try await listed("ra", "?q=acme") == [own])
            #expect(try await call(client, .get, "/api/v1/incidents", tokens["opa"]!).status == .unprocessableContent)
            #expect(try await call(client, .get, "/api/v1/incidents?operator_id=\(w.operator2.text)", tokens["opa"]!).status == .forbidden)
            #expect(try await call(client, .get, "/api/v1/incidents", tokens["pa"]!).status == .forbidden)
            // Pages follow the notification order, newest first.
            let page = try await call(client, .get, "/api/v1/incidents?limit=2", tokens["ra"]!)
            #expect(try array(page).compactMap { $0["id"] as? String } == [own, gas])
            let cursor = try #require(try object(page)["next_cursor"] as? String)
            #expect(try array(try await call(client, .get, "/api/v1/incidents?limit=2&cursor=\(cursor)", tokens["ra"]!))
                .compactMap { $0["id"] as? String } == [electricity])
        }
        await w.platform.shutdown()
    }

    @Test("the wizard's options: regulations, then regulators, then grouped sectors and the steps needed")
    func options() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            _ = try await Self.configure(w, client, tokens["ra"]!)
            let opa = tokens["opa"]!
            let start = try object(try await call(client, .get, "/api/v1/notification-options", opa))
            #expect((start["regulations"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [w.regulation.text])
            #expect((start["regulators"] as? [Any])?.isEmpty == true)
            let next = try object(try await call(client, .get, "/api/v1/notification-options?regulation_ids=\(w.regulation.text)", opa))
            #expect((next["regulators"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [w.regulator1.text])
            // Unknown until regulations and regulators are chosen: absent, not false.
            for partial in [start, next] {
                #expect(partial["sectors_needed"] == nil && partial["detection_time_needed"] == nil)
            }
            let last = try object(try await call(client, .get,
                                                 "/api/v1/notification-options?regulation_ids=\(w.regulation.text)&regulator_ids=\(w.regulator1.text)", opa))
            let groups = try #require(last["sector_groups"] as? [[String: Any]])
            #expect(groups.count == 1)
            #expect((groups.first?["root"] as? [String: Any])?["id"] as? String == w.energy.text)
            #expect((groups.first?["sectors"] as? [[String: Any]])?.compactMap { $0["label"] as? String } == ["Electricity", "Gas"])
            #expect(last["sectors_needed"] as? Bool == true)
            #expect(last["detection_time_needed"] as? Bool == true)
            #expect(try await call(client, .get, "/api/v1/notification-options", tokens["oa"]!).status == .forbidden)
        }
        await w.platform.shutdown()
    }

    @Test("deadline sweeps: overdue and reminder e-mails once each, also with two sweeps at once; catch-up; a new due time re-arms; closed is quiet")
    func deadlineSweeps() async throws {
        let w = try await GovernanceWorld()
        let detected = Date().addingTimeInterval(-3600)
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            let ra = tokens["ra"]!
            let setup = try await Self.configure(w, client, ra)
            var templates: [String: String] = [:]
            for event in ["reminder", "overdue"] {
                templates[event] = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/email-templates", ra, [
                    "name": event, "event": event, "subject": ["en": "\(event): {{report}} of {{reference}} due {{deadline}}"],
                    "content": ["en": "The {{report}} is due {{deadline}}."]]), event)
            }
            var workflow = try object(try await call(client, .get, "/api/v1/notification-workflows/\(setup.workflow)", ra))
            workflow["overdue_template_id"] = templates["overdue"]!
            for key in ["id", "name_translations", "reports", "created_at", "updated_at"] { workflow.removeValue(forKey: key) }
            workflow["name"] = ["en": "NIS2 energy"]
            #expect(try await call(client, .put, "/api/v1/notification-workflows/\(setup.workflow)", ra, workflow).status == .ok)
            #expect(try await call(client, .put, "/api/v1/notification-workflows/\(setup.workflow)/reports", ra, ["reports": [
                ["report_type_id": setup.reportTypes[0], "trigger": "detection", "delay_hours": 24,
                 "reminders": [["template_id": templates["reminder"]!, "offset_hours": -4], ["template_id": templates["reminder"]!, "offset_hours": 2]]],
                ["report_type_id": setup.reportTypes[1], "trigger": "detection", "delay_hours": 72,
                 "reminders": [["template_id": templates["reminder"]!, "offset_hours": -4], ["template_id": templates["reminder"]!, "offset_hours": 2]]],
                ["report_type_id": setup.reportTypes[2], "trigger": "previousReportSubmitted", "delay_hours": 720],
            ]]).status == .ok)
            let formatter = ISO8601DateFormatter()
            _ = try Self.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                                              Self.notification(w, operatorID: w.operator1, detectedAt: formatter.string(from: detected))))
        }
        let deadlines = w.platform.incidents.deadlines
        let postgres = w.platform.postgres
        func at(_ hours: Double) -> Date { detected.addingTimeInterval(hours * 3600) }
        /// (overdue reports marked, reminders sent) by one sweep `hours` after the detection.
        func sweep(_ hours: Double) async throws -> [Int] {
            let result = try await deadlines.sweep(now: at(hours))
            return [result.overdue, result.reminders]
        }
        func subjects() async throws -> [String] {
            try await postgres.query("SELECT DISTINCT subject FROM emails WHERE subject LIKE 'reminder:%' OR subject LIKE 'overdue:%' ORDER BY 1")
                .map { try $0.decode("subject", as: String.self) }
        }
        #expect(try await sweep(1) == [0, 0])
        #expect(try await sweep(20) == [0, 1])
        #expect(try await sweep(20.5) == [0, 0])
        // Two beats at once past the early warning's deadline: one overdue notice.
        async let first = deadlines.sweep(now: at(24.5))
        async let second = deadlines.sweep(now: at(24.5))
        let (a, b) = try await (first, second)
        #expect(a.overdue + b.overdue == 1)
        #expect(try await sweep(26) == [0, 1])
        // Downtime past the notification's deadline: its overdue notice and the reminder after it,
        // not the one before it.
        #expect(try await sweep(100) == [1, 1])
        #expect(try await sweep(101) == [0, 0])
        let incident = try await postgres.query("SELECT id FROM incidents").first!.decode("id", as: UUID.self)
        let reports = try await postgres.query("SELECT overdue_at FROM incident_reports WHERE incident_id = $1 ORDER BY position", incident)
        #expect(try reports.map { try $0.decode("overdue_at", as: Date?.self) != nil } == [true, true, false])
        #expect(try await postgres.query("SELECT 1 FROM incident_deadline_notices").count == 5)
        let sent = try await subjects()
        #expect(sent.contains { $0.hasPrefix("overdue: early-warning of OPONE_ENER_ELEC_0001_") })
        // A corrected detection time moves the due time: the reminders are armed again for it.
        try await postgres.query("""
            UPDATE incident_reports SET due_at = $2, overdue_at = NULL WHERE incident_id = $1 AND position = 0
            """, incident, at(200))
        #expect(try await sweep(197) == [0, 1])
        // Closed incidents are left alone.
        try await postgres.query("UPDATE incidents SET status = 'closed' WHERE id = $1", incident)
        #expect(try await sweep(300) == [0, 0])
        await w.platform.shutdown()
    }

    @Test("regulator changes: If-Match required and checked, closing e-mail on the transition only, override and reference audited, 403/404")
    func regulatorChanges() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await TenantBoundaryTests.sessions(w, client, extra: ["ra2": "ra2@world.test"])
            let ra = tokens["ra"]!
            let setup = try await Self.configure(w, client, ra)
            let closing = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/email-templates", ra, [
                "name": "Closing", "event": "closing", "subject": ["en": "Incident {{reference}} closed"], "content": ["en": "Closed."]]), "closing")
            var workflow = try object(try await call(client, .get, "/api/v1/notification-workflows/\(setup.workflow)", ra))
            for key in ["id", "name_translations", "reports", "created_at", "updated_at"] { workflow.removeValue(forKey: key) }
            workflow["name"] = ["en": "NIS2 energy"]
            workflow["closing_template_id"] = closing
            #expect(try await call(client, .put, "/api/v1/notification-workflows/\(setup.workflow)", ra, workflow).status == .ok)
            let gas = try #require(try Self.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                                                                 Self.notification(w, operatorID: w.operator1, sectors: [w.gas]))).first)
            let id = try #require(gas["id"] as? String)
            let path = "/api/v1/incidents/\(id)"
            let etag = try #require(try await call(client, .get, path, ra).headers[.eTag])
            func closedMails() async throws -> Int {
                try await w.platform.postgres.query("SELECT 1 FROM emails WHERE subject LIKE '%closed'").count
            }
            // Who may: the regulator's administrator; its user outside the sector reads nothing, the operator only reads.
            #expect(try await call(client, .patch, path, tokens["ru"]!, ["status": "closed"], headers: [.ifMatch: etag]).status == .notFound)
            #expect(try await call(client, .patch, path, tokens["ra2"]!, ["status": "closed"], headers: [.ifMatch: etag]).status == .notFound)
            #expect(try await call(client, .patch, path, tokens["opa"]!, ["status": "closed"], headers: [.ifMatch: etag]).status == .forbidden)
            #expect(try await call(client, .patch, path, ra, ["status": "closed"]).status == .preconditionRequired)
            #expect(try await call(client, .patch, path, ra, ["status": "closed"], headers: [.ifMatch: "\"stale\""]).status == .preconditionFailed)
            let closed = try await call(client, .patch, path, ra, ["status": "closed", "significant": true], headers: [.ifMatch: etag])
            #expect(closed.status == .ok)
            #expect(try object(closed)["status"] as? String == "closed")
            #expect(try object(closed)["significant"] as? Bool == true)
            let newTag = try #require(closed.headers[.eTag])
            #expect(newTag != etag)
            let mails = try await closedMails()
            #expect(mails > 0)
            // The old ETag is stale now; closing again sends nothing.
            #expect(try await call(client, .patch, path, ra, ["status": "closed"], headers: [.ifMatch: etag]).status == .preconditionFailed)
            let again = try await call(client, .patch, path, ra, ["status": "closed"], headers: [.ifMatch: newTag])
            #expect(again.status == .ok)
            #expect(try await closedMails() == mails)
            #expect(again.headers[.eTag] == newTag)
            // Reopen, then a reference that is taken, then a free one.
            let other = try #require(try Self.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                                                                   Self.notification(w, operatorID: w.operator1))).first?["reference"] as? String)
            let reopened = try await call(client, .patch, path, ra, ["status": "open"], headers: [.ifMatch: newTag])
            #expect(try object(reopened)["status"] as? String == "open")
            let current = try #require(reopened.headers[.eTag])
            #expect(try await call(client, .patch, path, ra, ["reference": other], headers: [.ifMatch: current]).status == .conflict)
            let renamed = try await call(client, .patch, path, ra, ["reference": "CASE-42"], headers: [.ifMatch: current])
            #expect(try object(renamed)["reference"] as? String == "CASE-42")
            #expect(try await closedMails() == mails)
            let actions = try await w.platform.postgres.query("""
                SELECT action FROM audit_events WHERE object_id = $1 AND action LIKE 'incident.%' ORDER BY id
                """, id).map { try $0.decode("action", as: String.self) }
            #expect(actions == ["incident.created", "incident.closed", "incident.significance_set", "incident.reopened", "incident.reference_changed"])
            #expect(try await w.platform.postgres.query("SELECT significance_overridden FROM incidents WHERE id = $1::uuid", id).first?
                .decode("significance_overridden", as: Bool.self) == true)
        }
        await w.platform.shutdown()
    }
}
