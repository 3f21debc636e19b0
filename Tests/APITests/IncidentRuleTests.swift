@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The incident rules as tables: answers checked per question kind, and the deadline of a
/// report for every trigger.
@Suite("Incident rules")
struct IncidentRuleTests {
    static let options = [UUID(), UUID()]

    static func questionnaire(_ kind: QuestionKind, mandatory: Bool) -> Questionnaire {
        Questionnaire(sections: [.init(categoryID: UUID(), label: LanguageMap(["en": "Facts"]), items: [
            .init(questionID: UUID(), reference: "Q", kind: kind, label: LanguageMap(["en": "Q"]), tooltip: LanguageMap([:]),
                  options: kind.hasOptions ? options.map { Question.Option(id: $0, label: LanguageMap(["en": "option"])) } : [],
                  mandatory: mandatory),
        ])])
    }

    /// (kind, mandatory, answer fields, the fields refused; empty: accepted).
    static let cases: [(QuestionKind, Bool, @Sendable (UUID) -> ReportAnswer, Set<String>)] = [
        (.freeText, true, { ReportAnswer(questionID: $0, text: "  An account.  ") }, []),
        (.freeText, true, { ReportAnswer(questionID: $0, text: "   ") }, ["answers.Q"]),
        (.freeText, false, { ReportAnswer(questionID: $0, choices: [options[0]]) }, ["answers.Q.choices"]),
        (.freeText, false, { ReportAnswer(questionID: $0, text: String(repeating: "x", count: 10_001)) }, ["answers.Q.text"]),
        (.singleChoice, true, { ReportAnswer(questionID: $0, choices: [options[1]]) }, []),
        (.singleChoice, true, { ReportAnswer(questionID: $0, choices: options) }, ["answers.Q.choices"]),
        (.singleChoice, true, { ReportAnswer(questionID: $0, text: "other") }, ["answers.Q", "answers.Q.text"]),
        (.singleChoice, false, { ReportAnswer(questionID: $0, choices: [UUID()]) }, ["answers.Q.choices"]),
        (.singleChoiceWithDetail, true, { ReportAnswer(questionID: $0, text: "Details only") }, []),
        (.singleChoiceWithDetail, true, { ReportAnswer(questionID: $0) }, ["answers.Q"]),
        (.multipleChoice, true, { ReportAnswer(questionID: $0, choices: options) }, []),
        (.multipleChoice, false, { ReportAnswer(questionID: $0, choices: [options[0], options[0]]) }, ["answers.Q.choices"]),
        (.multipleChoiceWithDetail, true, { ReportAnswer(questionID: $0, choices: [options[0]], text: "and more") }, []),
        (.date, true, { ReportAnswer(questionID: $0, date: Date()) }, []),
        (.date, true, { ReportAnswer(questionID: $0, text: "yesterday") }, ["answers.Q", "answers.Q.text"]),
        (.countryList, true, { ReportAnswer(questionID: $0, codes: ["lu", "DE"]) }, []),
        (.countryList, false, { ReportAnswer(questionID: $0, codes: ["XX"]) }, ["answers.Q.codes"]),
        (.countryList, false, { ReportAnswer(questionID: $0, codes: ["LU-CA"]) }, ["answers.Q.codes"]),
        (.regionList, true, { ReportAnswer(questionID: $0, codes: ["LU-CA"]) }, []),
        (.regionList, true, { ReportAnswer(questionID: $0, codes: ["LU"]) }, ["answers.Q.codes"]),
        (.regionList, false, { ReportAnswer(questionID: $0, date: Date()) }, ["answers.Q.date"]),
    ]

    @Test("answers per question kind: the fields each kind takes, options, codes, mandatory questions (detail alone answers a detail kind)")
    func answersPerKind() throws {
        for (index, (kind, mandatory, answer, refused)) in Self.cases.enumerated() {
            let questionnaire = Self.questionnaire(kind, mandatory: mandatory)
            let questionID = questionnaire.sections[0].items[0].questionID
            do {
                let accepted = try questionnaire.validated([answer(questionID)])
                #expect(refused.isEmpty, "case \(index) (\(kind)) should be refused on \(refused)")
                #expect(accepted.count == 1)
                if kind == .freeText { #expect(accepted[0].text == "An account.", "texts are trimmed") }
                if kind == .countryList { #expect(accepted[0].codes == ["LU", "DE"], "codes upper-cased, order kept") }
            } catch DomainError.validation(let errors) {
                #expect(Set(errors.map(\.field)) == refused, "case \(index) (\(kind))")
            }
        }
        // An unanswered optional question is stored as an empty answer; an unknown one is refused.
        let questionnaire = Self.questionnaire(.freeText, mandatory: false)
        #expect(try questionnaire.validated([]).first?.isEmpty == true)
        #expect(throws: DomainError.self) { try questionnaire.validated([ReportAnswer(questionID: UUID(), text: "?")]) }
    }

    @Test("deadlines for every trigger: none, notification time, detection time, previous report's first submission")
    func deadlinesPerTrigger() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await IncidentConfigurationTests.sessions(w, client)
            let ra = tokens["ra"]!
            var types: [String] = []
            for name in ["none", "notification", "detection", "previous"] {
                types.append(try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/report-types", ra, [
                    "name": name, "label": ["en": name]]), name))
            }
            let workflow = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/notification-workflows", ra, [
                "name": ["en": "Triggers"], "regulation_id": w.regulation.text, "sector_ids": [w.electricity.text]]), "workflow")
            #expect(try await call(client, .put, "/api/v1/notification-workflows/\(workflow)/reports", ra, ["reports": [
                ["report_type_id": types[0], "trigger": "none"],
                ["report_type_id": types[1], "trigger": "notification", "delay_hours": 5],
                ["report_type_id": types[2], "trigger": "detection", "delay_hours": 10],
                ["report_type_id": types[3], "trigger": "previousReportSubmitted", "delay_hours": 7],
            ]]).status == .ok)
            let detected = Date().addingTimeInterval(-3600).timeIntervalSince1970.rounded(.down)
            let incident = try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                IncidentNotificationTests.notification(w, operatorID: w.operator1,
                                                       detectedAt: IncidentReportTests.iso(Date(timeIntervalSince1970: detected)))))
                .first)
            let notified = try #require(RFC3339.parseUTC(incident["notified_at"] as? String ?? ""))
            var reports = try #require(incident["reports"] as? [[String: Any]])
            func due(_ index: Int) -> Date? { RFC3339.parseUTC(reports[index]["due_at"] as? String ?? "") }
            #expect(due(0) == nil, "no deadline")
            #expect(due(1) == notified.addingTimeInterval(5 * 3600))
            #expect(due(2) == Date(timeIntervalSince1970: detected + 10 * 3600))
            #expect(due(3) == nil, "not started before the previous report")
            // Submitting the third report's predecessor chain: the fourth counts from the third's first submission.
            let id = try #require(incident["id"] as? String)
            for index in 0..<3 {
                let stage = try #require(reports[index]["stage_id"] as? String)
                let version = try object(try await call(client, .post, "/api/v1/incidents/\(id)/reports/\(stage)/versions", tokens["opa"]!,
                                                        ["answers": [[String: Any]]()]))
                #expect(version["late"] as? Bool == false, "report \(index) in time")
            }
            reports = try #require(try object(try await call(client, .get, "/api/v1/incidents/\(id)", ra))["reports"] as? [[String: Any]])
            let third = try #require(RFC3339.parseUTC(reports[2]["first_submitted_at"] as? String ?? ""))
            #expect(reports[3]["triggered_at"] as? String == reports[2]["first_submitted_at"] as? String)
            #expect(due(3).map { $0.timeIntervalSince(third) } == 7.0 * 3600)
            #expect(reports[0]["status"] as? String == "submitted", "no deadline, never late")
        }
        await w.platform.shutdown()
    }
}
