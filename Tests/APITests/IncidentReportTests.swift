@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Redis
import CSV
import Testing
import TestSupport

/// Reports through the API: the frontier rule, answers checked per question kind, deadlines
/// started and frozen at first submission, significance from impacts, the review of a chosen
/// version with If-Match, the access log, and deleting an incident filed by mistake.
@Suite("Incident reports")
struct IncidentReportTests {
    /// The notification tests' set-up plus a questionnaire of every kind on the early warning
    /// (with its submission e-mail), impacts on the notification report, and a review-status
    /// e-mail on the workflow.
    struct Setup {
        var base: IncidentNotificationTests.Setup
        var questions: [String: String] = [:]
        var options: [String] = []
        var impact = ""
    }

    static func configure(_ w: GovernanceWorld, _ client: any TestClientProtocol, _ ra: String) async throws -> Setup {
        var setup = Setup(base: try await IncidentNotificationTests.configure(w, client, ra))
        func created(_ path: String, _ body: [String: Any], _ what: String) async throws -> String {
            try IncidentConfigurationTests.created(try await call(client, .post, path, ra, body), what)
        }
        let submission = try await created("/api/v1/email-templates", [
            "name": "Submitted", "event": "submission", "subject": ["en": "{{report}} of {{reference}} submitted"], "content": ["en": "Submitted."]],
                                           "submission")
        let review = try await created("/api/v1/email-templates", [
            "name": "Reviewed", "event": "reviewStatus", "subject": ["en": "{{report}} of {{reference}}: {{reviewStatus}}"], "content": ["en": "Reviewed: {{reviewComment}}"]],
                                       "review")
        let kinds: [(String, String, [String])] = [
            ("SUMMARY", "freeText", []), ("CAUSE", "singleChoiceWithDetail", ["Malicious action", "System failure"]),
            ("SERVICES", "multipleChoice", ["Billing", "Metering", "Grid control"]), ("START", "date", []),
            ("COUNTRIES", "countryList", []), ("REGIONS", "regionList", []),
        ]
        for (reference, kind, options) in kinds {
            let question = try object(try await call(client, .post, "/api/v1/questions", ra, [
                "reference": reference, "kind": kind, "label": ["en": reference.capitalized], "options": options.map { ["label": ["en": $0]] }]))
            setup.questions[reference] = try #require(question["id"] as? String)
            setup.options += (question["options"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        }
        let category = try await created("/api/v1/question-categories", ["label": ["en": "Facts"]], "category")
        #expect(try await call(client, .put, "/api/v1/report-types/\(setup.base.reportTypes[0])/questionnaire", ra, ["sections": [
            ["category_id": category,
                "questions": kinds.map { ["question_id": setup.questions[$0.0]!, "mandatory": ["SUMMARY", "CAUSE"].contains($0.0)] }],
        ]]).status == .ok)
        #expect(try await call(client, .put, "/api/v1/report-types/\(setup.base.reportTypes[0])", ra, [
            "name": "early-warning", "label": ["en": "early-warning"], "submission_template_id": submission]).status == .ok)
        #expect(try await call(client, .put, "/api/v1/report-types/\(setup.base.reportTypes[1])", ra, [
            "name": "notification", "label": ["en": "notification"], "impacts_needed": true]).status == .ok)
        setup.impact = try await created("/api/v1/impacts", ["label": ["en": "Outage"], "regulation_ids": [w.regulation.text],
                                                             "sector_ids": [w.electricity.text]], "impact")
        var workflow = try object(try await call(client, .get, "/api/v1/notification-workflows/\(setup.base.workflow)", ra))
        for key in ["id", "name_translations", "reports", "created_at", "updated_at"] { workflow.removeValue(forKey: key) }
        workflow["name"] = ["en": "NIS2 energy"]
        workflow["review_status_template_id"] = review
        #expect(try await call(client, .put, "/api/v1/notification-workflows/\(setup.base.workflow)", ra, workflow).status == .ok)
        return setup
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// A valid early warning.
    static func earlyWarning(_ setup: Setup, detected: String? = nil, summary: String = "Ransomware on billing.") -> [String: Any] {
        var body: [String: Any] = ["answers": [
            ["question_id": setup.questions["SUMMARY"]!, "text": summary],
            ["question_id": setup.questions["CAUSE"]!, "text": "Still under analysis"],
            ["question_id": setup.questions["SERVICES"]!, "choices": [setup.options[4], setup.options[2]]],
            ["question_id": setup.questions["COUNTRIES"]!, "codes": ["lu", "FR"]],
        ]]
        if let detected { body["detected_at"] = detected }
        return body
    }

    @Test("the frontier rule, answers per kind, lateness frozen at first submission, the next clock started, e-mails with observers")
    func lifecycle() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            let (ra, opa) = (tokens["ra"]!, tokens["opa"]!)
            let setup = try await Self.configure(w, client, ra)
            let detected = Date().addingTimeInterval(-7200)
            let incident = try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", opa,
                IncidentNotificationTests.notification(w, operatorID: w.operator1, detectedAt: Self.iso(detected)))).first)
            let id = try #require(incident["id"] as? String)
            let stages = try #require(incident["reports"] as? [[String: Any]]).compactMap { $0["stage_id"] as? String }
            #expect((incident["reports"] as? [[String: Any]])?.map { $0["submittable"] as? Bool } == [true, false, false])
            func submit(_ stage: Int, _ body: [String: Any], as token: String? = nil) async throws -> TestResponse {
                try await call(client, .post, "/api/v1/incidents/\(id)/reports/\(stages[stage])/versions", token ?? opa, body)
            }

            // The form: the current questionnaire, the detection time locked, the regions offered.
            let form = try object(try await call(client, .get, "/api/v1/incidents/\(id)/reports/\(stages[0])/form", opa))
            #expect(form["detection_locked"] as? Bool == true)
            #expect((form["regions"] as? [Any])?.count == 12)
            #expect(((form["questionnaire"] as? [String: Any])?["sections"] as? [[String: Any]])?.first?["questions"].map { ($0 as? [Any])?.count } == 6)

            // Only the frontier; readers do not file.
            #expect(try await submit(1, ["answers": []]).status == .conflict)
            #expect(try await submit(0, Self.earlyWarning(setup), as: tokens["oa"]!).status == .forbidden)
            #expect(try await submit(0, Self.earlyWarning(setup), as: ra).status == .forbidden)

            // Every fault named at once.
            let bad = try await submit(0,
                                       ["started_at": Self.iso(detected.addingTimeInterval(60)),
                "detected_at": Self.iso(detected.addingTimeInterval(-60)),
                                           "impact_ids": [setup.impact], "answers": [
                ["question_id": setup.questions["CAUSE"]!, "choices": [setup.options[0], setup.options[1]]],
                ["question_id": setup.questions["SERVICES"]!, "text": "free text here", "choices": [UUID().text]],
                ["question_id": setup.questions["START"]!, "text": "yesterday"],
                ["question_id": setup.questions["COUNTRIES"]!, "codes": ["XX"]],
                ["question_id": setup.questions["REGIONS"]!, "codes": ["LU-CA", "LU-CA"]],
                ["question_id": UUID().text, "text": "?"],
            ]])
            #expect(Set(try IncidentConfigurationTests.fields(bad)) == [
                "answers.SUMMARY", "answers.CAUSE.choices", "answers.SERVICES.text", "answers.SERVICES.choices", "answers.START.text",
                "answers.COUNTRIES.codes", "answers.REGIONS.codes", "answers[5].question_id", "started_at", "detected_at", "impact_ids",
            ])
            #expect(try await w.platform.postgres.query("SELECT 1 FROM report_versions").isEmpty)

            // The first submission, past the due time: late for good, whatever corrections follow.
            try await w.platform.postgres.query("UPDATE incident_reports SET due_at = now() - interval '1 minute' WHERE stage_id = $1",
                                                UUID(uuidString: stages[0])!)
            let first = try await submit(0, Self.earlyWarning(setup))
            #expect(first.status == .created, "\(String(buffer: first.body).prefix(600))")
            let version = try object(first)
            #expect(first.headers[.eTag] != nil)
            #expect(version["number"] as? Int == 1)
            #expect(version["late"] as? Bool == true)
            let answers = try #require(version["answers"] as? [[String: Any]])
            #expect(answers.count == 6)
            #expect(answers[2]["choices"] as? [String] == [setup.options[2], setup.options[4]], "kept in the question's order")
            #expect(answers[4]["codes"] as? [String] == ["LU", "FR"])
            try await w.platform.postgres.query("UPDATE incident_reports SET due_at = now() + interval '1 day' WHERE stage_id = $1",
                                                UUID(uuidString: stages[0])!)
            let second = try object(try await submit(0, Self.earlyWarning(setup, summary: "Corrected.")))
            #expect(second["number"] as? Int == 2)
            #expect(second["late"] as? Bool == false)
            var read = try object(try await call(client, .get, "/api/v1/incidents/\(id)", ra))
            var reports = try #require(read["reports"] as? [[String: Any]])
            #expect(reports[0]["late"] as? Bool == true)
            #expect(reports[0]["status"] as? String == "submittedLate")
            #expect((reports[0]["versions"] as? [Any])?.count == 2)
            #expect(reports.map { $0["submittable"] as? Bool } == [true, true, false])

            // The notification: impacts decide significance; the final report's clock starts.
            #expect(try Self.fieldsOf(try await submit(1, ["answers": [], "impact_ids": [UUID().text]])) == ["impact_ids"])
            let notified = try await submit(1, ["answers": [], "impact_ids": [setup.impact]])
            #expect(notified.status == .created)
            read = try object(try await call(client, .get, "/api/v1/incidents/\(id)", ra))
            reports = try #require(read["reports"] as? [[String: Any]])
            #expect(read["significant"] as? Bool == true)
            #expect(reports.map { $0["submittable"] as? Bool } == [false, true, true])
            let notifiedAt = try #require(try object(notified)["submitted_at"] as? String)
            #expect(reports[2]["triggered_at"] as? String == notifiedAt)
            let finalDue = try #require(RFC3339.parseUTC(reports[2]["due_at"] as? String ?? ""))
            #expect(finalDue.timeIntervalSince(try #require(RFC3339.parseUTC(notifiedAt))) == 720 * 3600)
            #expect(try await submit(0, Self.earlyWarning(setup)).status == .conflict, "frozen once a later report exists")

            // A regulator's ruling on significance outlives later submissions. If-Match as RFC 9110
            // has it: a list matches by any of its strong tags, `*` any current incident, a weak
            // tag never; what is no entity tag at all is a malformed header (400), not a change.
            let etag = try #require(try await call(client, .get, "/api/v1/incidents/\(id)", ra).headers[.eTag])
            let patch = "/api/v1/incidents/\(id)"
            #expect(try await call(client, .patch, patch, ra, ["significant": false], headers: [.ifMatch: "W/\(etag)"]).status == .preconditionFailed)
            let malformed = try await call(client, .patch, patch, ra, ["significant": false], headers: [.ifMatch: "not-a-tag"])
            #expect(malformed.status == .badRequest)
            #expect(try object(malformed)["type"] as? String == "urn:governance:problem:malformed-if-match")
            #expect(try await call(client, .patch, patch, ra, ["significant": false], headers: [.ifMatch: "\"stale\", \(etag)"]).status == .ok)
            let listed = try #require(try await call(client, .get, patch, ra).headers[.eTag])
            #expect(try await call(client, .patch, patch, ra, ["significant": false], headers: [.ifMatch: "*"]).status == .ok)
            #expect(try await call(client, .patch, patch, ra, ["significant": false], headers: [.ifMatch: listed]).status == .preconditionFailed,
                    "the * write changed the tag")
            #expect(try await submit(1, ["answers": [], "impact_ids": [setup.impact]]).status == .created)
            #expect(try object(try await call(client, .get, "/api/v1/incidents/\(id)", ra))["significant"] as? Bool == false)

            // The early warning's submission e-mail reached the observers too.
            let submitted = Set(try await w.platform.postgres.query("SELECT to_addresses FROM emails WHERE subject LIKE 'early-warning of %'")
                .flatMap { try $0.decode("to_addresses", as: [String].self) })
            #expect(submitted.isSuperset(of: ["opa1@world.test", "ra1@world.test", "oa1@world.test", "ou1@world.test", "marie.weber@contact.test"]))

            // A closed incident takes nothing more.
            let tag = try #require(try await call(client, .get, "/api/v1/incidents/\(id)", ra).headers[.eTag])
            #expect(try await call(client, .patch, "/api/v1/incidents/\(id)", ra, ["status": "closed"], headers: [.ifMatch: tag]).status == .ok)
            #expect(try await submit(1, ["answers": []]).status == .conflict)
        }
        await w.platform.shutdown()
    }

    static func fieldsOf(_ response: TestResponse) throws -> [String] { try IncidentConfigurationTests.fields(response) }

    @Test("a version reads as it was answered; review of the chosen version with If-Match; the access log per side")
    func reviewAndAccessLog() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            let (ra, opa) = (tokens["ra"]!, tokens["opa"]!)
            let setup = try await Self.configure(w, client, ra)
            let incident = try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", opa,
                IncidentNotificationTests.notification(w, operatorID: w.operator1, detectedAt: Self.iso(Date().addingTimeInterval(-3600))))).first)
            let id = try #require(incident["id"] as? String)
            let stage = try #require((incident["reports"] as? [[String: Any]])?.first?["stage_id"] as? String)
            let v1 = try object(try await call(client, .post, "/api/v1/incidents/\(id)/reports/\(stage)/versions", opa, Self.earlyWarning(setup)))
            _ = try object(try await call(client, .post, "/api/v1/incidents/\(id)/reports/\(stage)/versions", opa, Self.earlyWarning(setup)))
            let first = try #require(v1["id"] as? String)

            // Editing the question afterwards changes nothing of the version.
            try await w.platform.postgres.query("UPDATE questions SET label = '{\"en\": \"Renamed\"}' WHERE reference = 'SUMMARY'")
            let path = "/api/v1/report-versions/\(first)"
            let read = try await call(client, .get, path, ra)
            #expect(read.status == .ok)
            let questions = (((try object(read)["questionnaire"] as? [String: Any])?["sections"] as? [[String: Any]])?.first?["questions"]
                as? [[String: Any]]) ?? []
            #expect(questions.first?["label"] as? String == "Summary")
            let etag = try #require(read.headers[.eTag])

            // The review: reviewers only, If-Match required and checked, applied to the version named.
            let body: [String: Any] = ["review_status": "revisionRequired", "comment": "Describe the affected services."]
            #expect(try await call(client, .put, "\(path)/review", opa, body, headers: [.ifMatch: etag]).status == .forbidden)
            #expect(try await call(client, .put, "\(path)/review", tokens["oa"]!, body, headers: [.ifMatch: etag]).status == .forbidden)
            #expect(try await call(client, .put, "\(path)/review", ra, body).status == .preconditionRequired)
            #expect(try await call(client, .put, "\(path)/review", ra, body, headers: [.ifMatch: "\"stale\""]).status == .preconditionFailed)
            #expect(try Self.fieldsOf(try await call(client, .put, "\(path)/review", ra, ["review_status": "unreviewed"], headers: [.ifMatch: etag]))
                    == ["review_status"])
            let reviewed = try await call(client, .put, "\(path)/review", ra, body, headers: [.ifMatch: etag])
            #expect(reviewed.status == .ok)
            #expect(try object(reviewed)["review_status"] as? String == "revisionRequired")
            #expect(try object(reviewed)["review_comment"] as? String == "Describe the affected services.")
            let newTag = try #require(reviewed.headers[.eTag])
            #expect(newTag != etag)
            #expect(try await call(client, .put, "\(path)/review", ra, body, headers: [.ifMatch: etag]).status == .preconditionFailed)
            let reports = try #require(try object(try await call(client, .get, "/api/v1/incidents/\(id)", opa))["reports"] as? [[String: Any]])
            let versions = try #require(reports[0]["versions"] as? [[String: Any]])
            #expect(versions.map { $0["review_status"] as? String } == ["revisionRequired", "unreviewed"], "the version named, not the latest")
            #expect(reports[0]["review_status"] as? String == "unreviewed")
            // The e-mail goes on a change of status only.
            func reviewMails() async throws -> Int {
                try await w.platform.postgres.query("SELECT 1 FROM emails WHERE subject LIKE '%: Revision required'").count
            }
            let mails = try await reviewMails()
            #expect(mails > 0, "the status in words, not its code")
            // The reviewer's comment travels with it.
            #expect(try await w.platform.postgres.query("SELECT 1 FROM emails WHERE text_body LIKE '%Reviewed: Describe the affected services.%'")
                .count == mails)
            #expect(try await call(client, .put, "\(path)/review", ra, ["review_status": "revisionRequired", "comment": "More."],
                                   headers: [.ifMatch: newTag]).status == .ok)
            #expect(try await reviewMails() == mails)

            // The access log: the regulator sees everything, the operator its own side.
            func log(_ token: String) async throws -> [String] {
                try array(try await call(client, .get, "/api/v1/incidents/\(id)/access-log", token)).map {
                    "\($0["action"] as? String ?? "?"):\($0["side"] as? String ?? "?")"
                }
            }
            #expect(try await log(ra) == ["reviewed:reviewer", "reviewed:reviewer", "read:reviewer", "submitted:notifier", "submitted:notifier",
                                          "created:notifier"])
            #expect(try await log(opa) == ["submitted:notifier", "submitted:notifier", "created:notifier"])
            let entry = try #require(try array(try await call(client, .get, "/api/v1/incidents/\(id)/access-log?limit=1", ra)).first)
            #expect(entry["user_name"] as? String == "RA1 Tester")
            #expect(entry["organisation_name"] as? String == "Regulator One")
            #expect(entry["document"] as? String == "early-warning v1")
            #expect(try await call(client, .get, "/api/v1/incidents/\(id)/access-log", tokens["iu"]!).status == .notFound)
        }
        await w.platform.shutdown()
    }

    @Test("a detection time given in a report moves the deadlines counted from detection; it decides the report's lateness")
    func detectionInReport() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            let setup = try await Self.configure(w, client, tokens["ra"]!)
            try await w.platform.postgres.query("UPDATE notification_workflows SET detection_date_needed = false")
            let incident = try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                IncidentNotificationTests.notification(w, operatorID: w.operator1, detectedAt: nil))).first)
            let id = try #require(incident["id"] as? String)
            #expect((incident["reports"] as? [[String: Any]])?.map { $0["due_at"] as? String } == [nil, nil, nil])
            let stage = try #require((incident["reports"] as? [[String: Any]])?.first?["stage_id"] as? String)
            let detected = Date().addingTimeInterval(-30 * 3600).addingTimeInterval(-Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 1))
            // A detection in the future is also after the notification: both faults come at once.
            let future = try await call(client, .post, "/api/v1/incidents/\(id)/reports/\(stage)/versions", tokens["opa"]!,
                                        Self.earlyWarning(setup, detected: Self.iso(Date().addingTimeInterval(3600))))
            #expect(Set(try Self.fieldsOf(future)) == ["detected_at"])
            #expect(Set(try problem(future).errors?.map(\.code) ?? []) == ["in_future", "after_notification"])
            let version = try await call(client, .post, "/api/v1/incidents/\(id)/reports/\(stage)/versions", tokens["opa"]!,
                                         Self.earlyWarning(setup, detected: Self.iso(detected)))
            #expect(version.status == .created)
            #expect(try object(version)["late"] as? Bool == true, "due 24 h after a detection 30 h ago")
            let read = try object(try await call(client, .get, "/api/v1/incidents/\(id)", tokens["opa"]!))
            #expect(read["detected_at"] as? String == Self.iso(detected))
            let reports = try #require(read["reports"] as? [[String: Any]])
            #expect(reports.map { $0["due_at"] as? String } == [Self.iso(detected.addingTimeInterval(24 * 3600)),
                                                                 Self.iso(detected.addingTimeInterval(72 * 3600)), nil])
            #expect(reports[0]["late"] as? Bool == true)
        }
        await w.platform.shutdown()
    }

    @Test("deleting an incident: the notifier's side, only before any version; its number is not given again")
    func deletion() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            let setup = try await Self.configure(w, client, tokens["ra"]!)
            func notify() async throws -> [String: Any] {
                try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                    IncidentNotificationTests.notification(w, operatorID: w.operator1, detectedAt: Self.iso(Date().addingTimeInterval(-60))))).first)
            }
            let mistaken = try await notify()
            let kept = try await notify()
            let path = "/api/v1/incidents/\(mistaken["id"] as! String)"
            #expect(try await call(client, .delete, path, tokens["oa"]!).status == .forbidden)
            #expect(try await call(client, .delete, path, tokens["ra"]!).status == .forbidden)
            #expect(try await call(client, .delete, path, tokens["iu"]!).status == .notFound)
            #expect(try await call(client, .delete, path, tokens["opu"]!).status == .noContent)
            #expect(try await call(client, .get, path, tokens["opa"]!).status == .notFound)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM audit_events WHERE action = 'incident.deleted'").count == 1)

            let stage = try #require((kept["reports"] as? [[String: Any]])?.first?["stage_id"] as? String)
            #expect(try await call(client, .post, "/api/v1/incidents/\(kept["id"] as! String)/reports/\(stage)/versions", tokens["opa"]!,
                                   Self.earlyWarning(setup)).status == .created)
            #expect(try await call(client, .delete, "/api/v1/incidents/\(kept["id"] as! String)", tokens["opa"]!).status == .conflict)
            let next = try await notify()
            #expect((next["reference"] as? String)?.contains("_0003_") == true)
        }
        await w.platform.shutdown()
    }

    /// Runs the render jobs waiting in the outbox with their real handler, as a consumer would.
    static func renderPending(_ w: GovernanceWorld, kind: JobKind = .renderIncidentPDF) async throws -> Int {
        let handlers = w.platform.jobHandlers()
        let rows = try await w.platform.postgres.query("""
            SELECT id, kind, payload::text AS payload FROM outbox WHERE kind = $1 AND completed_at IS NULL AND failed_at IS NULL
            """, kind.rawValue)
        for row in rows {
            let id: UUID = try row.decode("id")
            let envelope = JobEnvelope(id: id.postgresText, kind: try row.decode("kind"), payload: try row.decode("payload"), tracked: true)
            _ = try await w.platform.ledger.begin(jobID: id)
            try await try #require(handlers.handler(for: envelope.kind)).run(envelope, logger: w.platform.logger)
            try await w.platform.ledger.complete(jobID: id, consumer: "test")
        }
        return rows.count
    }

    @Test("PDFs: made after each submission, served when made, otherwise a job to follow; every version, dates in the incident's zone")
    func pdfs() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            let (ra, opa) = (tokens["ra"]!, tokens["opa"]!)
            let setup = try await Self.configure(w, client, ra)
            let detected = try #require(RFC3339.parseUTC("2026-11-29T09:30:00Z"))
            let incident = try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", opa,
                IncidentNotificationTests.notification(w, operatorID: w.operator1, detectedAt: Self.iso(detected)))).first)
            let id = try #require(incident["id"] as? String)
            let reference = try #require(incident["reference"] as? String)
            let stage = try #require((incident["reports"] as? [[String: Any]])?.first?["stage_id"] as? String)

            // Before any submission: a job to follow, visible to those who reach the incident.
            let pending = try await call(client, .get, "/api/v1/incidents/\(id)/pdf", ra)
            #expect(pending.status == .accepted)
            let location = try #require(pending.headers[.location])
            #expect(try object(try await call(client, .get, location, ra))["state"] as? String == "queued")
            #expect(try await call(client, .get, location, tokens["oa"]!).status == .ok)
            #expect(try await call(client, .get, location, tokens["iu"]!).status == .notFound)
            #expect(try await call(client, .get, "/api/v1/jobs/\(UUID().text)", ra).status == .notFound)
            #expect(try await Self.renderPending(w) == 1)
            let done = try object(try await call(client, .get, location, ra))
            #expect(done["state"] as? String == "done")
            #expect(done["result_path"] as? String == "/api/v1/incidents/\(id)/pdf")
            let empty = try await call(client, .get, "/api/v1/incidents/\(id)/pdf", ra)
            #expect(empty.status == .ok)
            #expect(empty.headers[.contentType] == "application/pdf")
            #expect(try PDFInspection(Data(buffer: empty.body)).text.contains("No report has been submitted."))

            // Two versions: their PDFs are made with the submission.
            _ = try object(try await call(client, .post, "/api/v1/incidents/\(id)/reports/\(stage)/versions", opa,
                                          Self.earlyWarning(setup, summary: "First account of the outage.")))
            let second = try object(try await call(client, .post, "/api/v1/incidents/\(id)/reports/\(stage)/versions", opa,
                                                   Self.earlyWarning(setup, summary: "Corrected account: ransomware on billing.")))
            #expect(try await Self.renderPending(w) == 4)
            let whole = try await call(client, .get, "/api/v1/incidents/\(id)/pdf", opa)
            #expect(whole.status == .ok)
            #expect(whole.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"Incident_\(reference)_") == true)
            let pdf = try PDFInspection(Data(buffer: whole.body))
            let text = pdf.text
            #expect(text.contains(reference))
            #expect(text.contains("First account of the outage."))
            #expect(text.contains("Corrected account: ransomware on billing."))
            #expect(text.contains("Billing") && text.contains("Grid control"))
            #expect(text.contains("Luxembourg") && text.contains("France"), "country names, not codes")
            #expect(text.contains("2026-11-29 10:30 CET"), "the detection time in the incident's zone, named as people write it")
            #expect(whole.headers[.contentDisposition]?.contains("_en.pdf") == true, "the file name carries the language")
            #expect(text.contains("Marie Weber"))
            let version = try await call(client, .get, "/api/v1/report-versions/\(second["id"] as! String)/pdf", ra)
            #expect(version.status == .ok)
            let versionText = try PDFInspection(Data(buffer: version.body)).text
            #expect(versionText.contains("Corrected account"))
            #expect(!versionText.contains("First account of the outage."))
            // Each download is logged; a review makes the next whole-incident PDF anew.
            let log = try array(try await call(client, .get, "/api/v1/incidents/\(id)/access-log", ra)).compactMap { $0["action"] as? String }
            #expect(log.filter { $0 == "downloaded" }.count == 3)
            #expect(try await call(client, .get, "/api/v1/incidents/\(id)/pdf", tokens["iu"]!).status == .notFound)
            #expect(try await call(client, .get, "/api/v1/incidents/\(id)/pdf", ra, headers: [.acceptLanguage: "fr"]).status == .accepted)
            // A PDF whose job failed for good is tried again by the next request, with a new job.
            let french = try object(try await call(client, .get, "/api/v1/incidents/\(id)/pdf", ra, headers: [.acceptLanguage: "fr"]))
            try await w.platform.ledger.fail(jobID: UUID(uuidString: french["id"] as! String)!, error: "test")
            let again = try object(try await call(client, .get, "/api/v1/incidents/\(id)/pdf", ra, headers: [.acceptLanguage: "fr"]))
            #expect(again["state"] as? String == "queued")
            #expect(again["id"] as? String != french["id"] as? String)
            #expect(try await Self.renderPending(w) == 1)
            #expect(try await call(client, .get, "/api/v1/incidents/\(id)/pdf", ra, headers: [.acceptLanguage: "fr"]).status == .ok)

            // Wholly in the reader's language: the document's own words from the catalogue, none
            // of the English ones left, the zone as that language writes it, the language in the name.
            for (language, zone) in [(Language.fr, "UTC+1"), (.de, "MEZ"), (.nl, "CET")] {
                if try await call(client, .get, "/api/v1/incidents/\(id)/pdf", ra, headers: [.acceptLanguage: language.rawValue]).status == .accepted {
                    #expect(try await Self.renderPending(w) == 1)
                }
                let localized = try await call(client, .get, "/api/v1/incidents/\(id)/pdf", ra, headers: [.acceptLanguage: language.rawValue])
                #expect(localized.status == .ok)
                #expect(localized.headers[.contentDisposition]?.contains("_\(language.rawValue).pdf") == true)
                let words = try PDFInspection(Data(buffer: localized.body)).text
                for key in [DocumentText.incidentDetails, .timeline, .notificationManager, .submittedBy] {
                    #expect(words.contains(key.text(in: language)), "\(language): \(key)")
                }
                #expect(words.contains(DocumentText.pageLabel.text(in: language, ["page": "1"]).components(separatedBy: "{pages}")[0]))
                #expect(words.contains("2026-11-29 10:30 \(zone)"), "\(language)")
                for key in DocumentText.allCases where key.text(in: .en).contains(" ") && key.text(in: language) != key.text(in: .en) {
                    #expect(!words.contains(key.text(in: .en, ["page": "1"]).components(separatedBy: " {")[0]), "\(language): English \(key) left")
                }
            }
        }
        await w.platform.shutdown()
    }

    @Test("the documents' catalogue: every key has its text in each language, placeholders kept")
    func documentCatalogue() {
        for key in DocumentText.allCases {
            #expect(DocumentText.catalogue[key] != nil, "\(key) has no entry")
            let placeholders = { (text: String) in Set(text.matches(of: /\{[a-z]+\}/).map { String($0.output) }) }
            for language in Language.allCases {
                #expect(!key.text(in: language).isEmpty)
                #expect(placeholders(key.text(in: language)) == placeholders(key.text(in: .en)), "\(key) in \(language)")
            }
        }
    }

    @Test("retention: closed incidents past INCIDENT_RETENTION_DAYS go with their versions and PDFs; open ones stay; the count is audited")
    func retention() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            var ids: [String] = []
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            let setup = try await Self.configure(w, client, tokens["ra"]!)
            for _ in 0..<3 {
                let incident = try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                    IncidentNotificationTests.notification(w, operatorID: w.operator1, detectedAt: Self.iso(Date().addingTimeInterval(-60))))).first)
                let id = try #require(incident["id"] as? String)
                let stage = try #require((incident["reports"] as? [[String: Any]])?.first?["stage_id"] as? String)
                #expect(try await call(client, .post, "/api/v1/incidents/\(id)/reports/\(stage)/versions", tokens["opa"]!,
                                       Self.earlyWarning(setup)).status == .created)
                ids.append(id)
            }
            _ = try await Self.renderPending(w)
            let postgres = w.platform.postgres
            // Old and closed; old but open; recent and closed.
            try await postgres.query("UPDATE incidents SET notified_at = now() - interval '1900 days', status = 'closed' WHERE id = $1",
                                     UUID(uuidString: ids[0])!)
            try await postgres.query("UPDATE incidents SET notified_at = now() - interval '1900 days' WHERE id = $1", UUID(uuidString: ids[1])!)
            try await postgres.query("UPDATE incidents SET status = 'closed' WHERE id = $1", UUID(uuidString: ids[2])!)
            let documents = try await postgres.query("SELECT count(*)::int AS n FROM documents").first!.decode("n", as: Int.self)
            #expect(try await w.platform.incidents.retention.purge() == 1)
            let left = Set(try await postgres.query("SELECT id FROM incidents").map { try $0.decode("id", as: UUID.self).text })
            #expect(left == [ids[1], ids[2]])
            #expect(try await postgres.query("SELECT count(*)::int AS n FROM documents").first!.decode("n", as: Int.self) == documents - 2)
            #expect(try await postgres.query("SELECT 1 FROM report_versions WHERE incident_id = $1", UUID(uuidString: ids[0])!).isEmpty)
            let audit = try #require(try await postgres.query("""
                SELECT details::text AS details FROM audit_events WHERE action = 'retention.incidents_deleted'
                """).first)
            #expect(try audit.decode("details", as: String.self) == "{\"deleted\": 1}")
            #expect(try await w.platform.incidents.retention.purge() == 0)
        }
        await w.platform.shutdown()
    }

    @Test("an independent user approved into an operator brings their incidents, renumbered in the operator's sequence")
    func adoption() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            _ = try await Self.configure(w, client, tokens["ra"]!)
            let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).year!
            let own = try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", tokens["iu"]!,
                IncidentNotificationTests.notification(w, extra: ["notifier_name": "Small Grid SA"]))).first)
            #expect((own["reference"] as? String)?.hasPrefix("INDSMALLGR_") == true)
            _ = try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                                                                   IncidentNotificationTests.notification(w, operatorID: w.operator1)))
            #expect(try await call(client, .post, "/api/v1/operators/\(w.operator1.text)/members", tokens["ru"]!,
                                   ["user_id": w.independent.text]).status == .created)
            #expect(try await call(client, .get, "/api/v1/incidents/\(own["id"] as! String)", tokens["opa"]!).status == .notFound)
            #expect(try await call(client, .post, "/api/v1/operators/\(w.operator1.text)/members/\(w.independent.text)/approve",
                                   tokens["opa"]!).status == .ok)
            let moved = try object(try await call(client, .get, "/api/v1/incidents/\(own["id"] as! String)", tokens["opa"]!))
            #expect(moved["reference"] as? String == "OPONE_ENER_ELEC_0002_\(year)")
            #expect((moved["notifier"] as? [String: Any])?["kind"] as? String == "operator")
            #expect((moved["notifier"] as? [String: Any])?["operator_id"] as? String == w.operator1.text)
            let audit = try #require(try await w.platform.postgres.query("""
                SELECT details::text AS details FROM audit_events WHERE action = 'incident.adopted'
                """).first)
            #expect(try audit.decode("details", as: String.self).contains(own["reference"] as! String))
        }
        await w.platform.shutdown()
    }

    @Test("yearly statistics per view: counts, deadlines met, median times; as JSON and CSV")
    func statistics() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            let (ra, opa) = (tokens["ra"]!, tokens["opa"]!)
            let setup = try await Self.configure(w, client, ra)
            func notify(_ sector: UUID, hoursAgo: Double, extra: [String: Any] = [:]) async throws -> [String: Any] {
                try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", opa,
                    IncidentNotificationTests.notification(w, operatorID: w.operator1, sectors: [sector],
                                                           detectedAt: Self.iso(Date().addingTimeInterval(-hoursAgo * 3600)), extra: extra))).first)
            }
            let onTime = try await notify(w.electricity, hoursAgo: 2, extra: ["cross_border": true])
            _ = try await notify(w.gas, hoursAgo: 30)
            _ = try await notify(w.electricity, hoursAgo: 1, extra: ["notification_type": "nearMiss"])
            let stage = try #require((onTime["reports"] as? [[String: Any]])?.first?["stage_id"] as? String)
            #expect(try await call(client, .post, "/api/v1/incidents/\(onTime["id"] as! String)/reports/\(stage)/versions", opa,
                                   Self.earlyWarning(setup)).status == .created)
            try await w.platform.postgres.query("UPDATE incidents SET significant = true WHERE id = $1", UUID(uuidString: onTime["id"] as! String)!)
            let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).year!

            let stats = try object(try await call(client, .get, "/api/v1/incident-statistics?year=\(year)", ra))
            #expect(stats["incidents"] as? Int == 3)
            #expect(stats["significant"] as? Int == 1)
            #expect(stats["cross_border"] as? Int == 1)
            let sectors = (stats["by_sector"] as? [[String: Any]] ?? []).map { "\($0["label"] ?? ""):\($0["incidents"] ?? "")" }
            #expect(sectors == ["Energy → Electricity:2", "Energy → Gas:1"])
            let types = (stats["by_notification_type"] as? [[String: Any]] ?? []).map { "\($0["key"] ?? ""):\($0["incidents"] ?? "")" }
            #expect(types == ["incident:2", "nearMiss:1"])
            #expect(stats["reports_on_time"] as? Int == 1)
            #expect(stats["reports_late"] as? Int == 0)
            #expect(stats["reports_overdue"] as? Int == 1, "the gas incident's early warning, due six hours ago")
            #expect(stats["on_time_share"] as? Double == 0.5)
            #expect(abs((stats["median_hours_to_notification"] as? Double ?? 0) - 2) < 0.01)
            // Scoped to what each view reaches.
            #expect(try object(try await call(client, .get, "/api/v1/incident-statistics?year=\(year)", tokens["ru"]!))["incidents"] as? Int == 2)
            #expect(try object(try await call(client, .get, "/api/v1/incident-statistics?year=\(year)&operator_id=\(w.operator1.text)",
                                              opa))["incidents"]
                    as? Int == 3)
            #expect(try object(try await call(client, .get, "/api/v1/incident-statistics?year=\(year - 1)", ra))["incidents"] as? Int == 0)
            #expect(try await call(client, .get, "/api/v1/incident-statistics?year=\(year)&operator_id=\(w.operator2.text)",
                                   opa).status == .forbidden)
            // CSV: the same figures.
            let csv = try await call(client, .get, "/api/v1/incident-statistics?year=\(year)&format=csv", ra)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = String(buffer: csv.body).components(separatedBy: "\r\n")
            #expect(lines.first == "figure,key,label,value")
            #expect(lines.contains("incidents,,,3"))
            #expect(lines.contains("on_time_share,,,0.50"))
            #expect(lines.contains { $0.hasPrefix("sector,\(w.electricity.text),Energy → Electricity,2") })
        }
        await w.platform.shutdown()
    }

    @Test("exports: CSV in the CIRAS-style layout and JSON, built by the worker for the one who asked, audited, platform administrators told")
    func exports() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            let (ra, opa, ou) = (tokens["ra"]!, tokens["opa"]!, tokens["ou"]!)
            let setup = try await Self.configure(w, client, ra)
            var references: [String] = []
            for sector in [w.electricity, w.gas] {
                let incident = try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", opa,
                    IncidentNotificationTests.notification(w, operatorID: w.operator1, sectors: [sector],
                                                           detectedAt: Self.iso(Date().addingTimeInterval(-3600))))).first)
                references.append(try #require(incident["reference"] as? String))
                if sector == w.electricity {
                    let stage = try #require((incident["reports"] as? [[String: Any]])?.first?["stage_id"] as? String)
                    for summary in ["First.", "=HYPERLINK(\"http://evil.test\")"] {
                        #expect(try await call(client, .post, "/api/v1/incidents/\(incident["id"] as! String)/reports/\(stage)/versions", opa,
                                               Self.earlyWarning(setup, summary: summary)).status == .created)
                    }
                }
            }
            var body: [String: Any] = [
                "regulation_id": w.regulation.text, "workflow_id": setup.base.workflow, "report_type_id": setup.base.reportTypes[0],
                "notified_from": Self.iso(Date().addingTimeInterval(-86_400)), "notified_to": Self.iso(Date().addingTimeInterval(3600)),
            ]
            // The export right is needed.
            #expect(try await call(client, .post, "/api/v1/incident-exports", ra, body).status == .forbidden)
            #expect(try await call(client, .post, "/api/v1/incident-exports", opa, body).status == .forbidden)
            try await w.platform.postgres.query("UPDATE regulator_memberships SET can_export_incidents = true WHERE user_id = $1", w.regulatorAdmin1)
            try await w.platform.postgres.query("UPDATE observer_memberships SET can_export_incidents = true WHERE user_id = $1", w.observerUser1)
            var wrong = body
            wrong["report_type_id"] = UUID().text
            wrong["notified_from"] = Self.iso(Date().addingTimeInterval(-800 * 86_400))
            #expect(Set(try Self.fieldsOf(try await call(client, .post, "/api/v1/incident-exports", ra, wrong))) == ["notified_to"])
            wrong["notified_from"] = body["notified_from"]
            #expect(Set(try Self.fieldsOf(try await call(client, .post, "/api/v1/incident-exports", ra, wrong))) == ["report_type_id"])

            let asked = try await call(client, .post, "/api/v1/incident-exports", ra, body)
            #expect(asked.status == .accepted)
            let job = try object(asked)
            let resultPath = try #require(job["result_path"] as? String)
            #expect(try await call(client, .get, resultPath, ra).status == .accepted)
            #expect(try await call(client, .get, resultPath, ou).status == .notFound)
            #expect(try await call(client, .get, try #require(asked.headers[.location]), ou).status == .notFound)
            #expect(try await Self.renderPending(w, kind: .exportIncidents) == 1)
            let file = try await call(client, .get, resultPath, ra)
            #expect(file.status == .ok)
            #expect(file.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(file.headers[.contentDisposition]?.contains(".csv") == true)
            let rows = try CSVReader(string: String(buffer: file.body), hasHeaderRow: true)
            let header = try #require(rows.headerRow)
            #expect(Array(header.prefix(3)) == ["Operator", "Reference", "Notified at"])
            #expect(Array(header.suffix(6)) == ["Summary", "Cause", "Services", "Start", "Countries", "Regions"])
            var records: [[String: String]] = []
            while let row = rows.next() { records.append(Dictionary(uniqueKeysWithValues: zip(header, row))) }
            #expect(records.map { $0["Reference"] } == references.reversed(), "every incident, newest first")
            let submitted = try #require(records.first { $0["Reference"] == references[0] })
            #expect(submitted["Report version"] == "2")
            #expect(submitted["Summary"] == "'=HYPERLINK(\"http://evil.test\")", "a formula is neutralised")
            #expect(submitted["Countries"] == "Luxembourg; France")
            #expect(submitted["Services"] == "Billing; Grid control")
            #expect(submitted["Impacted sectors"] == "Energy -> Electricity")
            #expect(submitted["Notified at"]?.hasSuffix("Z") == true)
            let pending = try #require(records.first { $0["Reference"] == references[1] })
            #expect(pending["Report status"] == "notSubmitted")
            #expect(pending["Summary"] == "")
            let audit = try #require(try await w.platform.postgres.query(
                "SELECT details::text AS details FROM audit_events WHERE action = 'incident.exported'").first)
            #expect(try audit.decode("details", as: String.self).contains("\"incidents\": \"2\""))
            #expect(try await w.platform.postgres.query("""
                SELECT 1 FROM emails WHERE subject = 'Incidents exported' AND to_addresses = ARRAY['ada.admin@regulator.example']
                """).count == 1)

            // JSON, by an observer member for the incidents routed to their observer.
            body["format"] = "json"
            let byObserver = try object(try await call(client, .post, "/api/v1/incident-exports", ou, body))
            #expect(try await Self.renderPending(w, kind: .exportIncidents) == 1)
            let json = try await call(client, .get, try #require(byObserver["result_path"] as? String), ou)
            #expect(json.status == .ok)
            let exported = try #require(try JSONSerialization.jsonObject(with: Data(buffer: json.body)) as? [[String: Any]])
            #expect(exported.compactMap { ($0["columns"] as? [String: String])?["Reference"] } == references.reversed())
        }
        await w.platform.shutdown()
    }

    @Test("list filters over reports (overdue, late, review status), detection range, operator, and sort orders with their cursors")
    func listFilters() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            let (ra, opa) = (tokens["ra"]!, tokens["opa"]!)
            let setup = try await Self.configure(w, client, ra)
            var references: [String] = []
            var ids: [String] = []
            for hours in [3.0, 2.0, 1.0] {
                let incident = try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", opa,
                    IncidentNotificationTests.notification(w, operatorID: w.operator1,
                                                           detectedAt: Self.iso(Date().addingTimeInterval(-hours * 3600))))).first)
                references.append(incident["reference"] as! String)
                ids.append(incident["id"] as! String)
            }
            let postgres = w.platform.postgres
            // The first: its early warning submitted late, then sent back; the second: overdue.
            for index in [0, 1] {
                try await postgres.query("UPDATE incident_reports SET due_at = now() - interval '1 minute' WHERE incident_id = $1 AND position = 0",
                                         UUID(uuidString: ids[index])!)
            }
            let stage = try #require(try await postgres.query("SELECT stage_id FROM incident_reports WHERE incident_id = $1 AND position = 0",
                                                              UUID(uuidString: ids[0])!).first?.decode("stage_id", as: UUID.self))
            let version = try await call(client, .post, "/api/v1/incidents/\(ids[0])/reports/\(stage.text)/versions", opa, Self.earlyWarning(setup))
            let versionPath = "/api/v1/report-versions/\(try object(version)["id"] as! String)"
            #expect(try await call(client, .put, "\(versionPath)/review", ra, ["review_status": "revisionRequired"],
                                   headers: [.ifMatch: try #require(version.headers[.eTag])]).status == .ok)

            func listed(_ query: String, _ token: String? = nil) async throws -> [String] {
                let response = try await call(client, .get, "/api/v1/incidents?\(query)", token ?? ra)
                #expect(response.status == .ok, "\(query): \(String(buffer: response.body).prefix(300))")
                return try array(response).compactMap { $0["reference"] as? String }
            }
            #expect(try await listed("overdue=true") == [references[1]])
            #expect(try await listed("overdue=false") == [references[2], references[0]])
            #expect(try await listed("late=true") == [references[0]])
            #expect(try await listed("review_status=revisionRequired") == [references[0]])
            #expect(try await listed("detected_from=\(Self.iso(Date().addingTimeInterval(-150 * 60)))") == [references[2], references[1]])
            #expect(try await listed("view=reviewer&operator_id=\(w.operator1.text)").count == 3)
            #expect(try await listed("view=reviewer&operator_id=\(w.operator2.text)").isEmpty)
            #expect(try await listed("sort=notified_at") == references)
            #expect(try await listed("sort=-reference") == references.sorted().reversed())
            // A cursor follows its order, page after page.
            var seen: [String] = []
            var path = "/api/v1/incidents?sort=reference&limit=2"
            while true {
                let response = try await call(client, .get, path, ra)
                seen += try array(response).compactMap { $0["reference"] as? String }
                guard let next = try object(response)["next_cursor"] as? String else { break }
                path = "/api/v1/incidents?sort=reference&limit=2&cursor=\(next)"
            }
            #expect(seen == references.sorted())
        }
        await w.platform.shutdown()
    }

    @Test("a regulator notifying for itself files its reports under the same frontier rule, and does not review them")
    func regulatorNotifier() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            let ra = tokens["ra"]!
            let setup = try await Self.configure(w, client, ra)
            let incident = try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", ra,
                IncidentNotificationTests.notification(w, detectedAt: Self.iso(Date().addingTimeInterval(-600))))).first)
            #expect((incident["notifier"] as? [String: Any])?["kind"] as? String == "regulator")
            let id = try #require(incident["id"] as? String)
            let stages = (incident["reports"] as? [[String: Any]] ?? []).compactMap { $0["stage_id"] as? String }
            func submit(_ stage: Int, _ body: [String: Any]) async throws -> TestResponse {
                try await call(client, .post, "/api/v1/incidents/\(id)/reports/\(stages[stage])/versions", ra, body)
            }
            #expect(try await submit(1, ["answers": [[String: Any]]()]).status == .conflict, "not before the first")
            let first = try await submit(0, Self.earlyWarning(setup))
            #expect(first.status == .created)
            #expect(try await submit(1, ["answers": [[String: Any]]()]).status == .created)
            #expect(try await submit(0, Self.earlyWarning(setup)).status == .conflict, "frozen for regulators too")
            let path = "/api/v1/report-versions/\(try object(first)["id"] as! String)/review"
            #expect(try await call(client, .put, path, ra, ["review_status": "passed"], headers: [.ifMatch: try #require(first.headers[.eTag])])
                .status == .forbidden)
            #expect(try await call(client, .get, "/api/v1/incidents/\(id)", tokens["opa"]!).status == .notFound)
        }
        await w.platform.shutdown()
    }
}
