@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A regulator's incident configuration through the API: templates, impacts, categories,
/// questions, report types with questionnaires, workflows with reports and reminders; the
/// validation, in-use guards and tenant boundaries around them.
@Suite("Incident configuration")
struct IncidentConfigurationTests {
    /// Sessions of the world's actors and of the second regulator's administrator.
    static func sessions(_ world: GovernanceWorld, _ client: any TestClientProtocol) async throws -> [String: String] {
        try await TenantBoundaryTests.sessions(world, client, extra: ["ra2": "ra2@world.test"])
    }

    /// The `id` of a 201 answer.
    static func created(_ response: TestResponse, _ what: String) throws -> String {
        #expect(response.status == .created, "\(what): \(String(buffer: response.body).prefix(400))")
        return try #require(try object(response)["id"] as? String, "\(what)")
    }

    /// The field names of a 422 problem.
    static func fields(_ response: TestResponse) throws -> [String] {
        #expect(response.status == .unprocessableContent, "\(String(buffer: response.body).prefix(400))")
        return (try object(response)["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
    }

    static func template(_ event: String, name: String? = nil) -> [String: Any] {
        ["name": name ?? "\(event) e-mail", "event": event,
         "subject": ["en": "Incident {{reference}}: \(event)", "fr": "Incident {{reference}} : \(event)"],
         "content": ["en": "Dear {{operator}},\n\nThe **{{report}}** is due {{deadline}}.\n\n[Open the incident]({{link}})"]]
    }

    @Test("a whole NIS2 set-up: templates, impact, questions with options, a questionnaire and a workflow with deadlines and reminders")
    func wholeSetUp() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.sessions(w, client)
            let ra = tokens["ra"]!, ru = tokens["ru"]!
            var templates: [String: String] = [:]
            for event in ["opening", "submission", "reviewStatus", "closing", "reminder", "overdue"] {
                templates[event] = try Self.created(try await call(client, .post, "/api/v1/email-templates", ra, Self.template(event)), event)
            }
            let impact = try await call(client, .post, "/api/v1/impacts", ra, [
                "label": ["en": "Service unavailable for more than 10 % of users", "fr": "Service indisponible"],
                "regulation_ids": [w.regulation.text], "sector_ids": [w.electricity.text]])
            _ = try Self.created(impact, "impact")
            let cause = try Self.created(try await call(client, .post, "/api/v1/questions", ra, [
                "reference": "CAUSE", "kind": "singleChoiceWithDetail", "label": ["en": "What caused it?", "fr": "Quelle cause ?"],
                "options": [["label": ["en": "Malicious action"]], ["label": ["en": "System failure"]], ["label": ["en": "Human error"]]]]), "cause")
            let summary = try Self.created(try await call(client, .post, "/api/v1/questions", ra, [
                "reference": "SUMMARY", "kind": "freeText", "label": ["en": "Summary"], "tooltip": ["en": "Two or three sentences."]]), "summary")
            let countries = try Self.created(try await call(client, .post, "/api/v1/questions", ra, [
                "reference": "COUNTRIES", "kind": "countryList", "label": ["en": "Countries affected"]]), "countries")
            let timeline = try Self.created(try await call(client, .post, "/api/v1/question-categories", ra, ["label": ["en": "Timeline"]]),
                                            "category")
            let earlyWarning = try Self.created(try await call(client, .post, "/api/v1/report-types", ra, [
                "name": "early-warning", "label": ["en": "Early warning", "fr": "Alerte précoce"], "impacts_needed": false,
                "submission_template_id": templates["submission"]!]), "early warning")
            let notification = try Self.created(try await call(client, .post, "/api/v1/report-types", ra, [
                "name": "notification", "label": ["en": "Notification"], "impacts_needed": true]), "notification")
            let finalReport = try Self.created(try await call(client, .post, "/api/v1/report-types", ra, [
                "name": "final-report", "label": ["en": "Final report"]]), "final report")

            // The questionnaire keeps the order written: categories, then questions within each.
            let questionnaire = try await call(client, .put, "/api/v1/report-types/\(earlyWarning)/questionnaire", ra, ["sections": [
                ["category_id": timeline, "questions": [["question_id": summary, "mandatory": true], ["question_id": countries]]],
                ["category_id": w.category1.text, "questions": [["question_id": cause, "mandatory": true]]],
            ]], headers: [.acceptLanguage: "fr"])
            #expect(questionnaire.status == .ok)
            let sections = try array(questionnaire, "sections")
            #expect(sections.map { $0["category_id"] as? String } == [timeline, w.category1.text])
            let first = try #require(sections.first?["questions"] as? [[String: Any]])
            #expect(first.map { $0["reference"] as? String } == ["SUMMARY", "COUNTRIES"])
            #expect(first.map { $0["mandatory"] as? Bool } == [true, false])
            let causeItem = try #require((sections.last?["questions"] as? [[String: Any]])?.first)
            #expect(causeItem["label"] as? String == "Quelle cause ?")
            #expect((causeItem["options"] as? [[String: Any]])?.compactMap { $0["label"] as? String } == ["Malicious action",
                "System failure", "Human error"])
            #expect(try object(try await call(client, .get, "/api/v1/report-types/\(earlyWarning)", ru))["question_count"] as? Int == 3)

            // The workflow: NIS2 deadlines, reminders before each.
            let workflow = try Self.created(try await call(client, .post, "/api/v1/notification-workflows", ra, [
                "name": ["en": "NIS2 electricity"], "regulation_id": w.regulation.text, "sector_ids": [w.electricity.text],
                "detection_date_needed": true, "opening_template_id": templates["opening"]!, "closing_template_id": templates["closing"]!,
                "review_status_template_id": templates["reviewStatus"]!, "overdue_template_id": templates["overdue"]!]), "workflow")
            let reminder = templates["reminder"]!
            let reports = try await call(client, .put, "/api/v1/notification-workflows/\(workflow)/reports", ra, ["reports": [
                ["report_type_id": earlyWarning, "trigger": "detection", "delay_hours": 24,
                    "reminders": [["template_id": reminder, "offset_hours": -4]]],
                ["report_type_id": notification, "trigger": "detection", "delay_hours": 72,
                 "reminders": [["template_id": reminder, "offset_hours": 2], ["template_id": reminder, "offset_hours": -12]]],
                ["report_type_id": finalReport, "trigger": "previousReportSubmitted", "delay_hours": 720],
            ]])
            #expect(reports.status == .ok, "\(String(buffer: reports.body))")
            let stages = try array(reports, "reports")
            #expect(stages.map { $0["report_type_id"] as? String } == [earlyWarning, notification, finalReport])
            #expect(stages.map { $0["delay_hours"] as? Int } == [24, 72, 720])
            #expect((stages[1]["reminders"] as? [[String: Any]])?.compactMap { $0["offset_hours"] as? Int } == [-12, 2])
            let read = try object(try await call(client, .get, "/api/v1/notification-workflows/\(workflow)", ru))
            #expect(read["detection_date_needed"] as? Bool == true)
            #expect(read["sector_ids"] as? [String] == [w.electricity.text])
            #expect(read["overdue_template_id"] as? String == templates["overdue"]!)

            // Reordering keeps a report type's stage id.
            let earlyWarningStage = stages[0]["id"] as? String
            let reordered = try array(try await call(client, .put, "/api/v1/notification-workflows/\(workflow)/reports", ra, ["reports": [
                ["report_type_id": notification, "trigger": "notification", "delay_hours": 72],
                ["report_type_id": earlyWarning, "trigger": "previousReportSubmitted", "delay_hours": 24],
            ]]), "reports")
            #expect(reordered.map { $0["report_type_id"] as? String } == [notification, earlyWarning])
            #expect(reordered[1]["id"] as? String == earlyWarningStage)
            #expect((reordered[1]["reminders"] as? [Any])?.isEmpty == true)

            // A copy has the same reports and reminders under new ids.
            let copy = try await call(client, .post, "/api/v1/notification-workflows/\(workflow)/duplicate", ra)
            let copyID = try Self.created(copy, "workflow copy")
            let copied = try object(copy)
            #expect(copyID != workflow)
            #expect(copied["name"] as? String == "NIS2 electricity (copy)")
            #expect((copied["reports"] as? [[String: Any]])?.map { $0["report_type_id"] as? String } == [notification, earlyWarning])
            #expect((copied["reports"] as? [[String: Any]])?.contains { $0["id"] as? String == earlyWarningStage } == false)

            // Lists are the regulator's own; the second regulator sees none of it.
            #expect(try array(try await call(client, .get, "/api/v1/email-templates?event=reminder", ru)).count == 1)
            #expect(try array(try await call(client, .get, "/api/v1/impacts?sector_id=\(w.electricity.text)", ru)).count == 1)
            #expect(try array(try await call(client, .get, "/api/v1/impacts?sector_id=\(w.gas.text)", ru)).isEmpty)
            #expect(try array(try await call(client, .get, "/api/v1/questions?kind=countryList", ru)).count == 1)
            #expect(try array(try await call(client, .get, "/api/v1/notification-workflows", tokens["ra2"]!)).isEmpty)
            #expect(try array(try await call(client, .get, "/api/v1/questions", tokens["ra2"]!)).isEmpty)
            let audit = try await w.platform.postgres.query("""
                SELECT count(*)::integer AS n FROM audit_events WHERE organisation_id = $1 AND action LIKE 'notification_workflow.%'
                """, w.regulator1)
            #expect(try audit.first!.decode("n", as: Int.self) == 4)
        }
        await w.platform.shutdown()
    }

    @Test("bad configurations are refused with every field named, and nothing is stored")
    func validation() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.sessions(w, client)
            let ra = tokens["ra"]!
            var body = Self.template("opening")
            body["content"] = ["en": "Hello {{operatr}} {{reference}}", "fr": "Bonjour {{ operator }}"]
            #expect(Set(try Self.fields(try await call(client, .post, "/api/v1/email-templates", ra, body))) == ["content.en", "content.fr"])
            #expect(try Self.fields(try await call(client, .post, "/api/v1/questions", ra, [
                "reference": "Q1", "kind": "freeText", "label": ["en": "Q"], "options": [["label": ["en": "A"]]]])) == ["options"])
            #expect(try Self.fields(try await call(client, .post, "/api/v1/questions", ra, [
                "reference": "Q1", "kind": "multipleChoice", "label": ["en": "Q"]])) == ["options"])
            #expect(try Self.fields(try await call(client, .post, "/api/v1/impacts", ra, [
                "label": ["en": "I"], "regulation_ids": [w.regulation.text], "sector_ids": [w.energy.text]])) == ["sector_ids"])
            let foreignRegulation = UUID()
            try await w.platform.postgres.query("INSERT INTO regulations (id, label) VALUES ($1, '{\"en\": \"DORA\"}')", foreignRegulation)
            #expect(try Self.fields(try await call(client, .post, "/api/v1/notification-workflows", ra, [
                "name": ["en": "W"], "regulation_id": foreignRegulation.text])) == ["regulation_id"])
            let closing = try Self.created(try await call(client, .post, "/api/v1/email-templates", ra, Self.template("closing")), "closing")
            #expect(try Self.fields(try await call(client, .post, "/api/v1/notification-workflows", ra, [
                "name": ["en": "W"], "regulation_id": w.regulation.text, "opening_template_id": closing])) == ["opening_template_id"])
            let reportType = try Self.created(try await call(client, .post, "/api/v1/report-types", ra, ["name": "rt", "label": ["en": "RT"]]), "rt")
            #expect(try Self.fields(try await call(client, .post, "/api/v1/report-types", ra, [
                "name": "rt2", "label": ["en": "RT"], "submission_template_id": closing])) == ["submission_template_id"])
            #expect(try await call(client, .post, "/api/v1/report-types", ra, ["name": "RT", "label": ["en": "Same name"]]).status == .conflict)
            let workflow = try Self.created(try await call(client, .post, "/api/v1/notification-workflows", ra, [
                "name": ["en": "W"], "regulation_id": w.regulation.text]), "workflow")
            let stages = try Self.fields(try await call(client, .put, "/api/v1/notification-workflows/\(workflow)/reports", ra, ["reports": [
                ["report_type_id": reportType, "trigger": "previousReportSubmitted", "delay_hours": 24,
                 "reminders": [["template_id": closing, "offset_hours": -2]]],
                ["report_type_id": UUID().text, "trigger": "detection", "delay_hours": 0],
                ["report_type_id": UUID().text, "trigger": "none", "delay_hours": 5, "reminders": [["template_id": closing, "offset_hours": 1]]],
            ]]))
            #expect(Set(stages) == ["reports[0].trigger", "reports[1].delay_hours", "reports[2].delay_hours", "reports[2].reminders"])
            let references = try Self.fields(try await call(client, .put, "/api/v1/notification-workflows/\(workflow)/reports", ra, ["reports": [
                ["report_type_id": reportType, "trigger": "detection", "delay_hours": 24,
                    "reminders": [["template_id": closing, "offset_hours": -2]]],
                ["report_type_id": UUID().text, "trigger": "notification", "delay_hours": 72],
            ]]))
            #expect(Set(references) == ["reports[0].reminders[0].template_id", "reports[1].report_type_id"])
            let after = try object(try await call(client, .get, "/api/v1/notification-workflows/\(workflow)", ra))
            #expect((after["reports"] as? [Any])?.isEmpty == true)
            #expect(try array(try await call(client, .get, "/api/v1/questions", ra)).isEmpty)
        }
        await w.platform.shutdown()
    }

    @Test("objects in use cannot be deleted (409 saying why) until freed; a used template keeps its event")
    func inUseGuards() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.sessions(w, client)
            let ra = tokens["ra"]!
            let submission = try Self.created(try await call(client, .post, "/api/v1/email-templates", ra, Self.template("submission")), "template")
            let question = try Self.created(try await call(client, .post, "/api/v1/questions", ra, [
                "reference": "Q", "kind": "date", "label": ["en": "When?"]]), "question")
            let reportType = try Self.created(try await call(client, .post, "/api/v1/report-types", ra, [
                "name": "rt", "label": ["en": "RT"], "submission_template_id": submission]), "report type")
            #expect(try await call(client, .put, "/api/v1/report-types/\(reportType)/questionnaire", ra, ["sections": [
                ["category_id": w.category1.text, "questions": [["question_id": question]]]]]).status == .ok)
            let workflow = try Self.created(try await call(client, .post, "/api/v1/notification-workflows", ra, [
                "name": ["en": "W"], "regulation_id": w.regulation.text]), "workflow")
            #expect(try await call(client, .put, "/api/v1/notification-workflows/\(workflow)/reports", ra, ["reports": [
                ["report_type_id": reportType, "trigger": "none"]]]).status == .ok)

            for (path, name) in [("questions/\(question)", "question"), ("question-categories/\(w.category1.text)", "category"),
                                 ("report-types/\(reportType)", "report type"), ("email-templates/\(submission)", "template")] {
                let response = try await call(client, .delete, "/api/v1/\(path)", ra)
                #expect(response.status == .conflict, "\(name)")
                #expect((try object(response)["detail"] as? String)?.isEmpty == false)
            }
            #expect(try await call(client, .put, "/api/v1/email-templates/\(submission)", ra, Self.template("opening")).status == .conflict)
            // The regulator's competence for the regulation stays while its workflow uses it.
            let regulation = "/api/v1/regulations/\(w.regulation.text)"
            #expect(try await call(client, .patch, regulation, tokens["pa"]!, ["regulator_ids": [w.regulator2.text]]).status == .conflict)
            #expect(try await call(client, .patch, regulation, tokens["pa"]!, ["regulator_ids": [w.regulator1.text, w.regulator2.text]]).status == .ok)
            #expect(try await call(client, .delete, regulation, tokens["pa"]!).status == .conflict)
            #expect(try await call(client, .get, "/api/v1/notification-workflows/\(workflow)", ra).status == .ok)
            #expect(try object(try await call(client, .get, "/api/v1/email-templates/\(submission)", ra))["event"] as? String == "submission")

            // Freed step by step, each goes.
            #expect(try await call(client, .put, "/api/v1/notification-workflows/\(workflow)/reports", ra, ["reports": []]).status == .ok)
            #expect(try await call(client, .put, "/api/v1/report-types/\(reportType)/questionnaire", ra, ["sections": []]).status == .ok)
            #expect(try await call(client, .delete, "/api/v1/questions/\(question)", ra).status == .noContent)
            #expect(try await call(client, .delete, "/api/v1/question-categories/\(w.category1.text)", ra).status == .noContent)
            #expect(try await call(client, .delete, "/api/v1/report-types/\(reportType)", ra).status == .noContent)
            #expect(try await call(client, .delete, "/api/v1/email-templates/\(submission)", ra).status == .noContent)
            #expect(try await call(client, .delete, "/api/v1/notification-workflows/\(workflow)", ra).status == .noContent)
            #expect(try await call(client, .get, "/api/v1/questions/\(question)", ra).status == .notFound)
        }
        await w.platform.shutdown()
    }

    @Test("one regulator's objects are out of another's reach, also as references")
    func tenantBoundary() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.sessions(w, client)
            let ra = tokens["ra"]!, ra2 = tokens["ra2"]!
            let question = try Self.created(try await call(client, .post, "/api/v1/questions", ra, [
                "reference": "SHARED", "kind": "freeText", "label": ["en": "Mine"]]), "question")
            let template = try Self.created(try await call(client, .post, "/api/v1/email-templates", ra, Self.template("opening")), "template")
            #expect(try await call(client, .get, "/api/v1/questions/\(question)", ra2).status == .notFound)
            #expect(try await call(client, .put, "/api/v1/questions/\(question)", ra2, [
                "reference": "STOLEN", "kind": "freeText", "label": ["en": "Theirs"]]).status == .notFound)
            #expect(try await call(client, .delete, "/api/v1/email-templates/\(template)", ra2).status == .notFound)
            #expect(try await call(client, .post, "/api/v1/questions/\(question)/duplicate", ra2).status == .notFound)
            // References are unique per regulator: the other one may use the same.
            _ = try Self.created(try await call(client, .post, "/api/v1/questions", ra2, [
                "reference": "shared", "kind": "freeText", "label": ["en": "Theirs"]]), "same reference elsewhere")
            #expect(try await call(client, .post, "/api/v1/questions", ra, [
                "reference": "shared", "kind": "freeText", "label": ["en": "Again"]]).status == .conflict)
            // Another regulator's question or template cannot be referenced.
            let reportType = try Self.created(try await call(client, .post, "/api/v1/report-types", ra2, ["name": "rt", "label": ["en": "RT"]]), "rt")
            #expect(try Self.fields(try await call(client, .put, "/api/v1/report-types/\(reportType)/questionnaire", ra2, ["sections": [
                ["category_id": w.category1.text, "questions": [["question_id": question]]]]]))
                == ["sections[0].category_id", "sections[0].questions[0].question_id"])
            #expect(try Self.fields(try await call(client, .post, "/api/v1/notification-workflows", ra2, [
                "name": ["en": "W"], "regulation_id": w.regulation.text, "opening_template_id": template])) == ["opening_template_id"])
            #expect(try object(try await call(client, .get, "/api/v1/questions/\(question)", ra))["reference"] as? String == "SHARED")
        }
        await w.platform.shutdown()
    }

    @Test("options keep their ids across edits; duplicates get a free reference and new option ids")
    func optionsAndDuplicates() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.sessions(w, client)
            let ra = tokens["ra"]!
            let response = try await call(client, .post, "/api/v1/questions", ra, [
                "reference": "SECTORS", "kind": "multipleChoice", "label": ["en": "Which services?"],
                "options": [["label": ["en": "A"]], ["label": ["en": "B"]], ["label": ["en": "C"]]]])
            let question = try Self.created(response, "question")
            let ids = try #require((try object(response)["options"] as? [[String: Any]])?.compactMap { $0["id"] as? String })
            #expect(ids.count == 3)
            // B renamed and moved first, A kept, C removed, D added.
            let edited = try await call(client, .put, "/api/v1/questions/\(question)", ra, [
                "reference": "SECTORS", "kind": "multipleChoice", "label": ["en": "Which services?"],
                "options": [["id": ids[1], "label": ["en": "B2"]], ["id": ids[0], "label": ["en": "A"]], ["label": ["en": "D"]]]])
            #expect(edited.status == .ok)
            let options = try #require(try object(edited)["options"] as? [[String: Any]])
            #expect(options.compactMap { $0["label"] as? String } == ["B2", "A", "D"])
            #expect(Array(options.compactMap { $0["id"] as? String }.prefix(2)) == [ids[1], ids[0]])
            #expect(!ids.contains(options[2]["id"] as! String))
            // An id of another question's option is refused.
            let other = try await call(client, .post, "/api/v1/questions", ra, [
                "reference": "OTHER", "kind": "singleChoice", "label": ["en": "Other"], "options": [["label": ["en": "X"]]]])
            let foreignOption = try #require((try object(other)["options"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try Self.fields(try await call(client, .put, "/api/v1/questions/\(question)", ra, [
                "reference": "SECTORS", "kind": "multipleChoice", "label": ["en": "Which services?"],
                "options": [["id": foreignOption, "label": ["en": "X"]]]])) == ["options[0].id"])

            let first = try await call(client, .post, "/api/v1/questions/\(question)/duplicate", ra)
            _ = try Self.created(first, "copy")
            #expect(try object(first)["reference"] as? String == "SECTORS (copy)")
            #expect(try object(first)["label"] as? String == "Which services? (copy)")
            let copiedOptions = try #require(try object(first)["options"] as? [[String: Any]])
            #expect(copiedOptions.compactMap { $0["label"] as? String } == ["B2", "A", "D"])
            #expect(Set(copiedOptions.compactMap { $0["id"] as? String }).isDisjoint(with: options.compactMap { $0["id"] as? String }))
            let second = try await call(client, .post, "/api/v1/questions/\(question)/duplicate", ra)
            #expect(try object(second)["reference"] as? String == "SECTORS (copy 2)")
        }
        await w.platform.shutdown()
    }

    @Test("questionnaire snapshots: one per distinct content, never changed by later edits")
    func snapshots() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.sessions(w, client)
            let ra = tokens["ra"]!
            let question = try Self.created(try await call(client, .post, "/api/v1/questions", ra, [
                "reference": "CAUSE", "kind": "singleChoice", "label": ["en": "Cause", "fr": "Cause (fr)"],
                "options": [["label": ["en": "Attack"]], ["label": ["en": "Failure"]]]]), "question")
            let reportType = try Self.created(try await call(client, .post, "/api/v1/report-types", ra, ["name": "rt", "label": ["en": "RT"]]), "rt")
            #expect(try await call(client, .put, "/api/v1/report-types/\(reportType)/questionnaire", ra, ["sections": [
                ["category_id": w.category1.text, "questions": [["question_id": question, "mandatory": true]]]]]).status == .ok)
            let reportTypeID = UUID(uuidString: reportType)!
            let (firstID, firstContent) = try await w.platform.postgres.withTransaction {
                try await IncidentConfiguration.snapshotQuestionnaire(reportTypeID, session: $0)
            }
            let (againID, _) = try await w.platform.postgres.withTransaction {
                try await IncidentConfiguration.snapshotQuestionnaire(reportTypeID, session: $0)
            }
            #expect(againID == firstID)
            // The question is reworded, an option removed: the snapshot still reads as answered.
            #expect(try await call(client, .put, "/api/v1/questions/\(question)", ra, [
                "reference": "CAUSE", "kind": "singleChoice", "label": ["en": "Root cause"], "options": [["label": ["en": "Other"]]]]).status == .ok)
            let stored = try await w.platform.postgres.withSession { try await IncidentConfiguration.questionnaireSnapshot(firstID, session: $0) }
            #expect(stored == firstContent)
            let item = try #require(stored.sections.first?.items.first)
            #expect(item.label.values == ["en": "Cause", "fr": "Cause (fr)"])
            #expect(item.options.map { $0.label.text(in: .en) } == ["Attack", "Failure"])
            #expect(item.mandatory)
            let (newID, newContent) = try await w.platform.postgres.withTransaction {
                try await IncidentConfiguration.snapshotQuestionnaire(reportTypeID, session: $0)
            }
            #expect(newID != firstID)
            #expect(newContent.sections.first?.items.first?.label.text(in: .en) == "Root cause")
        }
        await w.platform.shutdown()
    }

    @Test("the preview renders sanitised HTML with sample values in the requested language")
    func preview() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.sessions(w, client)
            let ra = tokens["ra"]!
            let template = try Self.created(try await call(client, .post, "/api/v1/email-templates", ra, [
                "name": "Reminder", "event": "reminder",
                "subject": ["en": "Reminder: {{report}} of {{reference}}", "fr": "Rappel : {{report}} de {{reference}}"],
                "content": ["en": "Dear {{operator}},\n\n<script>alert(1)</script> **due {{deadline}}**\n\n[Open]({{link}}) [bad](javascript:alert(2))",
                            "fr": "Bonjour {{operator}},\n\n[Ouvrir]({{link}})"]]), "template")
            let englishResponse = try await call(client, .post, "/api/v1/email-templates/\(template)/preview", ra)
            #expect(englishResponse.status == .ok, "\(String(buffer: englishResponse.body))")
            let english = try object(englishResponse)
            #expect(english["subject"] as? String == "Reminder: Early warning of OPONE_ENER_ELEC_0001_2026")
            let html = try #require(english["html"] as? String)
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!html.contains("<script"))
            #expect(html.contains("<strong>due 2026-03-02 14:00 CET</strong>"))
            #expect(html.contains("<a href=\"https://governance.example/incidents/"))
            #expect(!html.contains("javascript:"))
            #expect(html.contains("Dear Operator One S.A.,"))
            #expect((english["text"] as? String)?.contains("[Open](https://governance.example/incidents/") == true)
            let french = try object(try await call(client, .post, "/api/v1/email-templates/\(template)/preview?language=fr", ra))
            #expect(french["language"] as? String == "fr")
            // Sample values in the preview's language: the report's name, the zone as French writes it.
            #expect(french["subject"] as? String == "Rappel : Alerte précoce de OPONE_ENER_ELEC_0001_2026")
            #expect((french["html"] as? String)?.contains("Bonjour Operator One S.A.,") == true)
            let byHeader = try object(try await call(client, .post, "/api/v1/email-templates/\(template)/preview", ra,
                                                     headers: [.acceptLanguage: "fr"]))
            #expect(byHeader["language"] as? String == "fr")
        }
        await w.platform.shutdown()
    }
}
