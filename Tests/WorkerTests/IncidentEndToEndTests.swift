import Domain
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import Synchronization
import Testing
import TestSupport

/// The incident module end to end, as separate processes: the API, one consumer (restarted on
/// the way) and two beats, on the demo data, with real PostgreSQL, Redis and SMTP. The clock is
/// moved forward by moving the incident's stored times back (every time of the incident, its
/// reports, versions and sent notices, so nothing else changes).
@Suite("Incidents end to end", .serialized)
struct IncidentEndToEndTests {
    /// A small HTTP client for the API process.
    struct API {
        let base: String

        struct Answer {
            let status: Int
            let body: Data
            let headers: [String: String]
            var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        }

        func call(_ method: String, _ path: String, _ token: String? = nil, _ body: Any? = nil,
                  headers: [String: String] = [:]) async throws -> Answer {
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = method
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            if let body {
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.httpBody = try JSONSerialization.data(withJSONObject: body)
            }
            for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
            let (data, response) = try await URLSession.shared.data(for: request)
            let http = response as! HTTPURLResponse
            var fields: [String: String] = [:]
            for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
            return Answer(status: http.statusCode, body: data, headers: fields)
        }

        func login(_ account: String) async throws -> String {
            let answer = try await call("POST", "/api/v1/auth/login", nil,
                                        ["email": "\(account)@demo.governance.test", "password": "Demo-Governance-2026"])
            return try #require(answer.json["token"] as? String, "\(String(decoding: answer.body, as: UTF8.self))")
        }
    }

    /// When this run began: the SMTP server's directory outlives runs, and a fresh demo database
    /// gives the same references again.
    static let start = Date().addingTimeInterval(-1)

    /// The messages the SMTP server accepted in this run whose subject mentions `reference`, as
    /// (subject, recipients).
    static func mails(about reference: String) throws -> [(subject: String, to: [String])] {
        try FileManager.default.contentsOfDirectory(at: TestEnvironment.smtpDirectory, includingPropertiesForKeys: [.contentModificationDateKey])
            .filter { $0.pathExtension == "json" }
            .filter { (try? $0.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate).flatMap { $0 } ?? .distantPast >= start }
            .compactMap { try JSONSerialization.jsonObject(with: Data(contentsOf: $0)) as? [String: Any] }
            .compactMap { message in
                guard let subject = message["subject"] as? String, subject.contains(reference) else { return nil }
                return (subject, message["rcpt_tos"] as? [String] ?? [])
            }
    }

    static func count(_ prefix: String, _ reference: String, to recipient: String = "power.admin@demo.governance.test") throws -> Int {
        try mails(about: reference).filter { $0.subject.hasPrefix(prefix) && $0.to.contains(recipient) }.count
    }

    /// Answers for every question of a report form: text, the first option, the detection
    /// time, Luxembourg and a canton.
    static func answers(_ form: [String: Any], text: String) -> [[String: Any]] {
        let sections = (form["questionnaire"] as? [String: Any])?["sections"] as? [[String: Any]] ?? []
        return sections.flatMap { ($0["questions"] as? [[String: Any]]) ?? [] }.map { question in
            let id = question["question_id"] as! String
            switch question["kind"] as? String {
            case "freeText": return ["question_id": id, "text": text]
            case "date": return ["question_id": id, "date": form["detected_at"] as? String ?? "2026-01-01T00:00:00Z"]
            case "countryList": return ["question_id": id, "codes": ["LU"]]
            case "regionList": return ["question_id": id, "codes": ["LU-ES"]]
            default:
                let options = (question["options"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                return ["question_id": id, "choices": Array(options.prefix(1))]
            }
        }
    }

    /// PowerCo's demo draft declaration completed, submitted, reviewed and given its verdict:
    /// the submission and verdict e-mails arrive once each through the worker and SMTP.
    static func declarationToVerdict(_ client: API, power: String, regulator: String) async throws {
        let drafts = try await client.call("GET", "/api/v1/declarations?status=draft", power).json
        let id = try #require((drafts["items"] as? [[String: Any]])?.first?["id"] as? String, "\(drafts)")
        let detail = try await client.call("GET", "/api/v1/declarations/\(id)", power).json
        let declaration = try #require(detail["declaration"] as? [String: Any])
        let reference = try #require(declaration["reference"] as? String)
        let objectives = try #require(detail["objectives"] as? [[String: Any]])
        // The open objectives: nothing in place yet, with a plan.
        for objective in objectives where objective["completion"] as? String != "complete" {
            let objectiveID = try #require(objective["objective_id"] as? String)
            let levels = objective["levels"] as? [[String: Any]] ?? []
            let nothing = try #require((levels.first { $0["level"] as? Int == 0 }?["measures"] as? [[String: Any]])?.first?["measure_id"] as? String)
            #expect(try await client.call("PATCH", "/api/v1/declarations/\(id)/measures/\(nothing)", power, ["is_implemented": true]).status == 200)
            let planned = try await client.call("PATCH", "/api/v1/declarations/\(id)/objectives/\(objectiveID)", power,
                                                ["planned_actions": "Basic measures by next quarter."])
            #expect((planned.json["completion"] as? String) == "complete")
        }
        var read = try await client.call("GET", "/api/v1/declarations/\(id)", power)
        #expect((read.json["declaration"] as? [String: Any])?["ready_to_submit"] as? Bool == true)
        let submitted = try await client.call("POST", "/api/v1/declarations/\(id)/submit", power, headers: ["If-Match": read.headers["etag"] ?? ""])
        #expect(submitted.status == 200, "\(String(decoding: submitted.body, as: UTF8.self))")
        #expect(try await eventually(timeout: .seconds(30)) {
            try Self.count("Security objectives declaration \(reference) submitted", reference) == 1
                && Self.count("Security objectives declaration \(reference) submitted", reference, to: "regulator.admin@demo.governance.test") == 1
        })

        for objective in objectives {
            let reviewed = try await client.call("PATCH", "/api/v1/declarations/\(id)/objectives/\(objective["objective_id"] as! String)", regulator,
                                                 ["review_status": "passed"])
            #expect(reviewed.status == 200)
        }
        read = try await client.call("GET", "/api/v1/declarations/\(id)", regulator)
        #expect((read.json["declaration"] as? [String: Any])?["status"] as? String == "passedPending")
        let sent = try await client.call("POST", "/api/v1/declarations/\(id)/review/send", regulator, ["review_comment": "Thank you."],
                                         headers: ["If-Match": read.headers["etag"] ?? ""])
        #expect(sent.status == 200, "\(String(decoding: sent.body, as: UTF8.self))")
        #expect(try await eventually(timeout: .seconds(30)) {
            try Self.count("Security objectives declaration \(reference): Passed", reference) == 1
        })
        // Sent once each, whatever the worker's sweeps do meanwhile.
        try await Task.sleep(for: .seconds(3))
        #expect(try Self.count("Security objectives declaration \(reference) submitted", reference) == 1)
        #expect(try Self.count("Security objectives declaration \(reference): Passed", reference) == 1)
        #expect(try Self.count("Security objectives declaration \(reference): Passed", reference, to: "regulator.admin@demo.governance.test") == 1)

        // Its PDF, drawn by the worker: asked for, followed, served; the operator's rendering
        // without the objectives' verdicts, the regulator's with them.
        for (token, verdicts) in [(power, false), (regulator, true)] {
            var pdf = try await client.call("GET", "/api/v1/declarations/\(id)/pdf", token)
            #expect(pdf.status == 202)
            #expect(try await eventually(timeout: .seconds(30)) {
                pdf = try await client.call("GET", "/api/v1/declarations/\(id)/pdf", token)
                return pdf.status == 200
            })
            let text = try PDFInspection(pdf.body).text
            #expect(text.contains(reference) && text.contains("Passed") && text.contains("Thank you.") && text.contains("TLP:AMBER"))
            #expect(text.contains("[Passed]") == verdicts)
        }
    }

    @Test("a NIS2 incident through its three reports across its deadlines: reminders and overdue notices once each, review, observers, PDF, export; then a declaration to its verdict, its e-mails once each; then the demo project's reports made by the worker and downloaded")
    func nis2Incident() async throws {
        _ = Self.start
        let configuration = try await TestEnvironment.configuration()
        let platform = Platform(configuration: configuration, logger: TestEnvironment.logger)
        let port = Int.random(in: 14_000..<18_000)
        let environment = TestEnvironment.processEnvironment(configuration, extra: [
            "PORT": String(port), "REQUIRE_TOTP": "false", "PASSWORD_HASH_ITERATIONS": "1000", "INCIDENT_SWEEP_SECONDS": "1",
            "BEAT_TICK_MS": "100", "BEAT_LEADER_TTL_MS": "2000", "CONSUMER_HEARTBEAT_TTL_MS": "2000", "OUTBOUND_ALLOWED_HOSTS": "127.0.0.1",
        ])
        // A webhook receiver, checking each signature with the secret the API gave.
        let hookPort = Int.random(in: 18_000..<19_000)
        let secret = Mutex("")
        let hooks = Mutex<[(event: String, valid: Bool, body: String)]>([])
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let header = request.headers[HTTPField.Name("X-Governance-Signature")!] ?? ""
            let time = Int(header.split(separator: ",").first?.dropFirst(2) ?? "") ?? 0
            let valid = header == Webhooks.signature(secret: secret.withLock { $0 }, timestamp: time, body: body)
            hooks.withLock { $0.append((request.headers[HTTPField.Name("X-Governance-Event")!] ?? "", valid, body)) }
            return Response(status: .noContent)
        }
        var quietLogger = TestEnvironment.logger
        quietLogger.logLevel = .critical
        let receiver = Task { [quietLogger] in
            try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: hookPort)), logger: quietLogger).runService()
        }
        defer { receiver.cancel() }
        func received(_ event: String) -> [(event: String, valid: Bool, body: String)] { hooks.withLock { $0.filter { $0.event == event } } }
        let seed = try ChildProcess("governance-api", ["seed-demo"], environment: environment)
        #expect(await seed.wait(timeout: .seconds(120)) == 0, "\(seed.output)")
        let api = try ChildProcess("governance-api", ["serve"], environment: environment)
        var consumer = try ChildProcess("governance-worker", ["consume", "--id", "e2e-consumer", "--concurrency", "4"], environment: environment)
        let beats = try ["e2e-beat-1", "e2e-beat-2"].map { try ChildProcess("governance-worker", ["beat", "--id", $0], environment: environment) }
        defer {
            for process in [api, consumer] + beats { process.signal(SIGKILL) }
        }
        let client = API(base: "http://127.0.0.1:\(port)")
        #expect(try await eventually(timeout: .seconds(30)) { (try? await client.call("GET", "/health").status) == 200 }, "\(api.output)")

        let power = try await client.login("power.admin")
        let regulator = try await client.login("regulator.admin")
        let csirt = try await client.login("csirt.admin")
        let webhook = try await client.call("POST", "/api/v1/webhooks", regulator, [
            "url": "http://127.0.0.1:\(hookPort)/hook", "events": ["incident.created", "incident.report_overdue"]] as [String: Any])
        #expect(webhook.status == 201, "\(String(decoding: webhook.body, as: UTF8.self))")
        secret.withLock { $0 = webhook.json["secret"] as? String ?? "" }
        let me = try await client.call("GET", "/api/v1/users/me", power).json
        let powerCo = try #require(((me["affiliations"] as? [String: Any])?["operators"] as? [[String: Any]])?.first?["operator_id"] as? String)
        let options = try await client.call("GET", "/api/v1/notification-options", power).json
        let nis2 = try #require((options["regulations"] as? [[String: Any]])?.first?["id"] as? String)
        let regulators = try await client.call("GET", "/api/v1/notification-options?regulation_ids=\(nis2)", power).json
        let demoRegulator = try #require((regulators["regulators"] as? [[String: Any]])?.first?["id"] as? String)
        let sectors = try await client.call("GET", "/api/v1/notification-options?regulation_ids=\(nis2)&regulator_ids=\(demoRegulator)", power).json
        let electricity = try #require(((sectors["sector_groups"] as? [[String: Any]])?.flatMap { ($0["sectors"] as? [[String: Any]]) ?? [] })?
            .first { ($0["label"] as? String)?.contains("Electricity") == true }?["id"] as? String)

        // The first notification, detected an hour ago: the early warning is due in 23 hours.
        let detected = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3600))
        let notified = try await client.call("POST", "/api/v1/incidents", power, [
            "operator_id": powerCo, "contact": ["first_name": "Paula", "last_name": "Weis", "email": "paula@powerco.test",
                "phone": "+352 26 00 00 20"],
            "regulation_ids": [nis2], "regulator_ids": [demoRegulator], "sector_ids": [electricity], "detected_at": detected,
            "time_zone": "Europe/Luxembourg", "notification_type": "incident",
        ] as [String: Any])
        #expect(notified.status == 201, "\(String(decoding: notified.body, as: UTF8.self))")
        let incident = try #require((notified.json["items"] as? [[String: Any]])?.first)
        let id = try #require(incident["id"] as? String)
        let reference = try #require(incident["reference"] as? String)
        let stages = (incident["reports"] as? [[String: Any]] ?? []).compactMap { $0["stage_id"] as? String }
        #expect(stages.count == 3)
        #expect(try await eventually { try Self.count("Incident \(reference) notified", reference) == 1 })
        // The webhook, delivered by the consumer (it serves the outbound queue by default), signed.
        #expect(try await eventually(timeout: .seconds(30)) { received("incident.created").count == 1 }, "\(consumer.output)")
        #expect(received("incident.created").first?.valid == true && received("incident.created").first?.body.contains(reference) == true)

        /// Moves the clock `hours` forward for this incident.
        func advance(_ hours: Double) async throws {
            try await platform.postgres.withTransaction { session in
                let shift = "- make_interval(secs => $2)"
                let seconds = hours * 3600
                let incident = UUID(uuidString: id)!
                try await session.query("UPDATE incidents SET notified_at = notified_at \(shift), detected_at = detected_at \(shift) WHERE id = $1",
                                        incident, seconds)
                try await session.query("""
                    UPDATE incident_reports SET triggered_at = triggered_at \(shift), due_at = due_at \(shift),
                           first_submitted_at = first_submitted_at \(shift), overdue_at = overdue_at \(shift) WHERE incident_id = $1
                    """, incident, seconds)
                try await session.query("UPDATE report_versions SET submitted_at = submitted_at \(shift) WHERE incident_id = $1", incident, seconds)
                try await session.query("UPDATE incident_deadline_notices SET due_at = due_at \(shift) WHERE incident_id = $1", incident, seconds)
            }
        }
        func quiet() async throws { try await Task.sleep(for: .seconds(3)) }

        // 17.5 hours later: the reminder six hours before the early warning, once.
        try await advance(17.5)
        #expect(try await eventually(timeout: .seconds(30)) { try Self.count("Reminder: Early warning", reference) == 1 }, "\(beats[0].output)")
        try await quiet()
        #expect(try Self.count("Reminder: Early warning", reference) == 1)

        // The consumer restarts; 6 hours later the early warning is overdue: one notice, and the
        // reminder of one hour before, whose time passed with the deadline, is skipped.
        consumer.signal(SIGTERM)
        #expect(await consumer.wait() == 0, "\(consumer.output)")
        consumer = try ChildProcess("governance-worker", ["consume", "--id", "e2e-consumer-2", "--concurrency", "4"], environment: environment)
        try await advance(6)
        #expect(try await eventually(timeout: .seconds(30)) { try Self.count("Overdue: Early warning", reference) == 1 }, "\(consumer.output)")
        try await quiet()
        #expect(try Self.count("Overdue: Early warning", reference) == 1)
        // The overdue report's webhook, published by the beat's sweep, once.
        #expect(try await eventually(timeout: .seconds(30)) { received("incident.report_overdue").count == 1 })
        #expect(received("incident.report_overdue").allSatisfy { $0.valid })
        #expect(try Self.count("Reminder: Early warning", reference) == 1)
        var read = try await client.call("GET", "/api/v1/incidents/\(id)", power).json
        #expect((read["reports"] as? [[String: Any]])?.first?["status"] as? String == "overdue")

        // The early warning, late, then corrected: late it stays.
        func submit(_ stage: Int, _ text: String) async throws -> [String: Any] {
            let form = try await client.call("GET", "/api/v1/incidents/\(id)/reports/\(stages[stage])/form", power).json
            let answer = try await client.call("POST", "/api/v1/incidents/\(id)/reports/\(stages[stage])/versions", power,
                                               ["answers": Self.answers(form, text: text)])
            #expect(answer.status == 201, "\(String(decoding: answer.body, as: UTF8.self))")
            return answer.json
        }
        let warning = try await submit(0, "Ransomware on the billing servers.")
        #expect(warning["late"] as? Bool == true)
        _ = try await submit(0, "Ransomware on the billing servers; supply unaffected.")
        read = try await client.call("GET", "/api/v1/incidents/\(id)", power).json
        #expect((read["reports"] as? [[String: Any]])?.first?["late"] as? Bool == true)
        #expect((read["reports"] as? [[String: Any]])?.first?["status"] as? String == "submittedLate")

        // The notification, in time; the final report's clock starts.
        let notification = try await submit(1, "Contained; restoration under way.")
        #expect(notification["late"] as? Bool == false)
        read = try await client.call("GET", "/api/v1/incidents/\(id)", power).json
        let reports = read["reports"] as? [[String: Any]] ?? []
        #expect(reports.count == 3 && reports[2]["due_at"] != nil)

        // The regulator reviews the first early warning (not the latest): one e-mail.
        let versionPath = "/api/v1/report-versions/\(warning["id"] as! String)"
        let version = try await client.call("GET", versionPath, regulator)
        let etag = try #require(version.headers["etag"])
        let review = try await client.call("PUT", "\(versionPath)/review", regulator,
                                           ["review_status": "revisionRequired", "comment": "More detail."], headers: ["If-Match": etag])
        #expect(review.status == 200, "\(String(decoding: review.body, as: UTF8.self))")
        #expect(try await eventually { try Self.mails(about: reference).contains { $0.subject.hasSuffix(": Revision required") } })

        // The observer reads it and got the submission e-mails.
        #expect(try await client.call("GET", "/api/v1/incidents/\(id)", csirt).status == 200)
        #expect(try await eventually { try Self.count("Early warning received", reference, to: "csirt.admin@demo.governance.test") >= 2 })

        // The final report; then the PDF, drawn by the worker.
        _ = try await submit(2, "Root cause: an unpatched VPN appliance.")
        var pdf = try await client.call("GET", "/api/v1/incidents/\(id)/pdf", regulator)
        _ = try await eventually(timeout: .seconds(30)) {
            pdf = try await client.call("GET", "/api/v1/incidents/\(id)/pdf", regulator)
            return pdf.status == 200
        }
        #expect(pdf.status == 200)
        let text = try PDFInspection(pdf.body).text
        #expect(text.contains(reference))
        #expect(text.contains("Root cause: an unpatched VPN appliance."))
        #expect(text.contains("supply unaffected"))

        // The regulator's CSV export.
        let now = Date()
        let export = try await client.call("POST", "/api/v1/incident-exports", regulator, [
            "regulation_id": nis2, "workflow_id": incident["workflow_id"] as! String, "report_type_id": reports[0]["report_type_id"] as! String,
            "notified_from": ISO8601DateFormatter().string(from: now.addingTimeInterval(-7 * 86_400)),
            "notified_to": ISO8601DateFormatter().string(from: now.addingTimeInterval(3600)),
        ])
        #expect(export.status == 202, "\(String(decoding: export.body, as: UTF8.self))")
        let resultPath = try #require(export.json["result_path"] as? String)
        var file = try await client.call("GET", resultPath, regulator)
        _ = try await eventually(timeout: .seconds(30)) {
            file = try await client.call("GET", resultPath, regulator)
            return file.status == 200
        }
        let csv = String(decoding: file.body, as: UTF8.self)
        #expect(csv.hasPrefix("Operator,Reference,"))
        #expect(csv.contains(reference))
        #expect(csv.contains("supply unaffected"))

        // Nothing was sent twice along the way.
        #expect(try Self.count("Reminder: Early warning", reference) == 1)
        #expect(try Self.count("Overdue: Early warning", reference) == 1)

        try await Self.declarationToVerdict(client, power: power, regulator: regulator)
        try await Self.demoReports(client, regulator: regulator)
        api.signal(SIGTERM)
        #expect(await api.wait() == 0, "\(api.output)")
        await platform.shutdown()
    }

    /// The demo project's reports, made by the consumer process: PowerCo's (its declaration now
    /// passed) in English and French, RailWays' skipped for want of a declaration; followed to
    /// the end, then downloaded as a ZIP.
    static func demoReports(_ client: API, regulator: String) async throws {
        let projects = try await client.call("GET", "/api/v1/reporting-projects", regulator).json
        let project = try #require((projects["items"] as? [[String: Any]])?.first?["id"] as? String, "\(projects)")
        let started = try await client.call("POST", "/api/v1/reporting-projects/\(project)/generations", regulator)
        #expect(started.status == 202, "\(String(decoding: started.body, as: UTF8.self))")
        let id = try #require(started.json["id"] as? String)
        let skipped = started.json["skipped"] as? [[String: Any]] ?? []
        #expect(skipped.map { $0["operator_name"] as? String } == ["RailWays SA"] && skipped.first?["reason"] as? String == "no_declaration")
        var generation: [String: Any] = [:]
        #expect(try await eventually(timeout: .seconds(60)) {
            generation = try await client.call("GET", "/api/v1/reporting-generations/\(id)", regulator).json
            return generation["status"] as? String == "done"
        }, "\(generation)")
        #expect((generation["progress"] as? [String: Any])?["done"] as? Int == 2)
        let download = try await client.call("GET", "/api/v1/reporting-generations/\(id)/artefact", regulator)
        #expect(download.status == 200 && download.headers["content-type"] == "application/zip")
        // A ZIP's entry names are stored as they are, in its headers.
        let raw = String(decoding: download.body, as: UTF8.self)
        #expect(download.body.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        #expect(raw.contains("en_annual_report_") && raw.contains("fr_rapport_annuel_") && raw.contains("error_log.txt"))
    }
}
