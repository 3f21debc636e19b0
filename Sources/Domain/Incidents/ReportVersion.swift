import Foundation
import Postgres

/// One answer of a report: which fields count depends on the question's kind.
public struct ReportAnswer: Sendable, Equatable, Codable {
    public var questionID: UUID
    /// Option ids (choice kinds).
    public var choices: [UUID]
    /// The text (free text) or the detail (choice kinds with detail).
    public var text: String
    /// ISO 3166-1 alpha-2 codes (country list) or region codes (region list).
    public var codes: [String]
    /// A date question's answer.
    public var date: Date?

    public init(questionID: UUID, choices: [UUID] = [], text: String = "", codes: [String] = [], date: Date? = nil) {
        self.questionID = questionID
        self.choices = choices
        self.text = text
        self.codes = codes
        self.date = date
    }

    /// Whether nothing was answered.
    public var isEmpty: Bool { choices.isEmpty && text.isEmpty && codes.isEmpty && date == nil }

    enum CodingKeys: String, CodingKey {
        case questionID = "question_id", choices, text, codes, date
    }
}

/// The regions a region-list question offers: the twelve cantons of Luxembourg.
public enum IncidentRegions {
    public static let all: [(code: String, name: String)] = [
        ("LU-CA", "Capellen"), ("LU-CL", "Clervaux"), ("LU-DI", "Diekirch"), ("LU-EC", "Echternach"), ("LU-ES", "Esch-sur-Alzette"),
        ("LU-GR", "Grevenmacher"), ("LU-LU", "Luxembourg"), ("LU-ME", "Mersch"), ("LU-RD", "Redange"), ("LU-RM", "Remich"),
        ("LU-VD", "Vianden"), ("LU-WI", "Wiltz"),
    ]
    static let codes = Set(all.map(\.code))
}

/// A report as the notifier submits it.
public struct ReportSubmission: Sendable, Encodable {
    /// The zone the timeline was given in; the incident's when left out.
    public var timeZone: String?
    public var startedAt: Date?
    /// Locked to the incident's when its workflow asked for it at the first notification.
    public var detectedAt: Date?
    public var resolvedAt: Date?
    public var answers: [ReportAnswer]
    public var impactIDs: [UUID]

    public init(timeZone: String? = nil, startedAt: Date? = nil, detectedAt: Date? = nil, resolvedAt: Date? = nil, answers: [ReportAnswer] = [],
                impactIDs: [UUID] = []) {
        self.timeZone = timeZone
        self.startedAt = startedAt
        self.detectedAt = detectedAt
        self.resolvedAt = resolvedAt
        self.answers = answers
        self.impactIDs = impactIDs
    }

    /// The most answers a submission carries.
    static let maximumAnswers = 500
    /// The longest text of an answer.
    static let maximumTextLength = 10_000
}

/// A regulator's verdict on a report version.
public enum ReviewStatus: String, Sendable, CaseIterable, Codable {
    case unreviewed, passed, revisionRequired
}

/// A submitted report version: immutable but for its review, rendered with the questionnaire
/// it answered.
public struct ReportVersion: Sendable, Equatable {
    public struct ImpactChoice: Sendable, Equatable, Codable {
        public var id: UUID
        public var label: LanguageMap
    }

    public let id: UUID
    public var incidentID: UUID
    public var incidentReference: String
    public var stageID: UUID
    public var reportTypeID: UUID
    public var reportName: String
    public var reportLabel: LanguageMap
    public var number: Int
    public var submittedAt: Date
    public var submitterName: String
    public var late: Bool
    public var timeZone: String
    public var startedAt: Date?
    public var detectedAt: Date?
    public var resolvedAt: Date?
    public var questionnaire: Questionnaire
    /// One per question of ``questionnaire``, in its order.
    public var answers: [ReportAnswer]
    public var impacts: [ImpactChoice]
    public var reviewStatus: ReviewStatus
    public var reviewComment: String
    public var reviewedAt: Date?
    public var revision: Int

    /// The ETag of the version's current review.
    public var etag: String { "\"\(id.uuidString.lowercased())-\(revision)\"" }

    /// The answer to `questionID`.
    public func answer(_ questionID: UUID) -> ReportAnswer? { answers.first { $0.questionID == questionID } }

    static let columns = """
        v.id, v.incident_id, i.reference, v.stage_id, ir.report_type_id, rt.name AS report_name, rt.label::text AS report_label, v.number,
        v.submitted_at, v.submitter_name, v.late, v.time_zone, v.started_at, v.detected_at, v.resolved_at, qs.content::text AS questionnaire,
        v.answers::text AS answers, v.review_status, v.review_comment, v.reviewed_at, v.revision,
        coalesce((SELECT json_agg(json_build_object('id', m.id, 'label', m.label) ORDER BY m.label->>'en', m.id)
                  FROM report_version_impacts vi JOIN impacts m ON m.id = vi.impact_id WHERE vi.version_id = v.id), '[]')::text AS impacts
        """

    static let joins = """
        JOIN incidents i ON i.id = v.incident_id
        JOIN incident_reports ir ON ir.incident_id = v.incident_id AND ir.stage_id = v.stage_id
        JOIN report_types rt ON rt.id = ir.report_type_id
        JOIN questionnaire_snapshots qs ON qs.id = v.questionnaire_id
        """

    init(row: PostgresRow) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        id = try row.decode("id")
        incidentID = try row.decode("incident_id")
        incidentReference = try row.decode("reference")
        stageID = try row.decode("stage_id")
        reportTypeID = try row.decode("report_type_id")
        reportName = try row.decode("report_name")
        reportLabel = try LanguageMap.parse(try row.decode("report_label"))
        number = try row.decode("number")
        submittedAt = try row.decode("submitted_at")
        submitterName = try row.decode("submitter_name")
        late = try row.decode("late")
        timeZone = try row.decode("time_zone")
        startedAt = try row.decode("started_at")
        detectedAt = try row.decode("detected_at")
        resolvedAt = try row.decode("resolved_at")
        questionnaire = try decoder.decode(Questionnaire.self, from: Data(try row.decode("questionnaire", as: String.self).utf8))
        answers = try decoder.decode([ReportAnswer].self, from: Data(try row.decode("answers", as: String.self).utf8))
        impacts = try decoder.decode([ImpactChoice].self, from: Data(try row.decode("impacts", as: String.self).utf8))
        reviewStatus = ReviewStatus(rawValue: try row.decode("review_status")) ?? .unreviewed
        reviewComment = try row.decode("review_comment")
        reviewedAt = try row.decode("reviewed_at")
        revision = try row.decode("revision")
    }
}

extension ReportAnswer {
    /// The answer as people read it, part by part: option labels, country and region names, the
    /// date written by `date`, then the text (`Details: ...` after a choice). PDFs and exports
    /// show answers this way.
    func readable(for item: Questionnaire.Item, language: Language, date: (Date) -> String) -> [String] {
        var parts = choices.compactMap { choice in item.options.first { $0.id == choice }?.label.text(in: language) }
        switch item.kind {
        case .countryList:
            let names = Locale(identifier: language.rawValue)
            parts += codes.map { names.localizedString(forRegionCode: $0) ?? $0 }
        case .regionList:
            parts += codes.map { code in IncidentRegions.all.first { $0.code == code }?.name ?? code }
        case .date:
            parts += self.date.map { [date($0)] } ?? []
        default:
            break
        }
        if !text.isEmpty {
            parts.append(item.kind.hasDetail && !choices.isEmpty ? "Details: \(text)" : text)
        }
        return parts
    }
}

extension Questionnaire {
    /// The answers checked against this questionnaire: one per question, in its order (an
    /// unanswered question gets an empty answer), every fault named per field
    /// (`answers.<question reference>`) in one error.
    ///
    /// Rules per kind: free text takes `text`; single choice at most one of the question's
    /// options, multiple choice any of them; the "with detail" kinds also take `text`, and a
    /// mandatory one is answered by a choice or by the detail alone; a date takes `date`;
    /// country and region lists take ISO 3166-1 alpha-2 or ``IncidentRegions`` codes. A field
    /// the kind does not take is refused rather than dropped.
    func validated(_ answers: [ReportAnswer]) throws -> [ReportAnswer] {
        var validator = Validator()
        let items = sections.flatMap(\.items)
        let known = Set(items.map(\.questionID))
        var given: [UUID: ReportAnswer] = [:]
        for (index, answer) in answers.enumerated() {
            if !known.contains(answer.questionID) {
                validator.check(false, "answers[\(index)].question_id", "not_in_questionnaire", "This question is not in the report's questionnaire.")
            } else if given.updateValue(answer, forKey: answer.questionID) != nil {
                validator.check(false, "answers[\(index)].question_id", "duplicate", "Answer each question once.")
            }
        }
        var result: [ReportAnswer] = []
        for item in items {
            let field = "answers.\(item.reference)"
            var answer = given[item.questionID] ?? ReportAnswer(questionID: item.questionID)
            answer.text = TextRules.trimmed(answer.text)
            validator.check(answer.text.count <= ReportSubmission.maximumTextLength, "\(field).text", "too_long",
                            "An answer has at most \(ReportSubmission.maximumTextLength) characters.")
            let kind = item.kind
            validator.check(kind.hasOptions || answer.choices.isEmpty, "\(field).choices", "not_allowed", "This question offers no choices.")
            validator.check(kind == .freeText || kind.hasDetail || answer.text.isEmpty, "\(field).text", "not_allowed",
                            "This question takes no text.")
            validator.check(kind == .date || answer.date == nil, "\(field).date", "not_allowed", "This question takes no date.")
            validator.check(kind == .countryList || kind == .regionList || answer.codes.isEmpty, "\(field).codes", "not_allowed",
                            "This question takes no country or region codes.")
            if kind.hasOptions {
                let options = Set(item.options.map(\.id))
                validator.check(answer.choices.allSatisfy(options.contains), "\(field).choices", "invalid", "Choose among the question's options.")
                validator.check(Set(answer.choices).count == answer.choices.count, "\(field).choices", "duplicate", "Choose an option once.")
                if kind == .singleChoice || kind == .singleChoiceWithDetail {
                    validator.check(answer.choices.count <= 1, "\(field).choices", "single", "Choose one option.")
                }
                // Keep the questionnaire's order, whatever order the client sent.
                answer.choices = item.options.map(\.id).filter(answer.choices.contains)
            }
            if kind == .countryList || kind == .regionList {
                answer.codes = answer.codes.map { TextRules.trimmed($0).uppercased() }
                let allowed = kind == .countryList ? Validator.countries : IncidentRegions.codes
                validator.check(answer.codes.allSatisfy(allowed.contains), "\(field).codes", "invalid",
                                kind == .countryList ? "Use ISO 3166-1 alpha-2 country codes such as LU or FR." : "Use the region codes the form offers.")
                validator.check(Set(answer.codes).count == answer.codes.count, "\(field).codes", "duplicate", "Name each code once.")
            }
            if item.mandatory {
                let answered = switch kind {
                case .freeText: !answer.text.isEmpty
                case .singleChoice, .multipleChoice: !answer.choices.isEmpty
                case .singleChoiceWithDetail, .multipleChoiceWithDetail: !answer.choices.isEmpty || !answer.text.isEmpty
                case .date: answer.date != nil
                case .countryList, .regionList: !answer.codes.isEmpty
                }
                validator.check(answered, field, "required", "This question must be answered.")
            }
            result.append(answer)
        }
        try validator.throwIfInvalid()
        return result
    }
}
