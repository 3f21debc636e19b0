import Foundation
import Postgres

/// A kind of report operators file (early warning, notification, final report...), with its
/// questionnaire.
public struct ReportType: Sendable, Equatable {
    public let id: UUID
    public let regulatorID: UUID
    /// A technical name, unique per regulator, untranslated (file names, timelines).
    public var name: String
    public var label: LanguageMap
    public var description: LanguageMap
    /// Whether the report asks which impacts the incident had.
    public var impactsNeeded: Bool
    public var submissionTemplateID: UUID?
    public var questionCount: Int
    public var createdAt: Date
    public var updatedAt: Date

    static let columns = """
        rt.id, rt.regulator_id, rt.name, rt.label::text AS label, rt.description::text AS description, rt.impacts_needed,
        rt.submission_template_id, rt.created_at, rt.updated_at,
        (SELECT count(*) FROM questionnaire_items qi WHERE qi.report_type_id = rt.id)::integer AS question_count
        """

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        regulatorID = try row.decode("regulator_id")
        name = try row.decode("name")
        label = try LanguageMap.parse(try row.decode("label"))
        description = try LanguageMap.parse(try row.decode("description"))
        impactsNeeded = try row.decode("impacts_needed")
        submissionTemplateID = try row.decode("submission_template_id")
        questionCount = try row.decode("question_count")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}

/// A report type as written: every field (creation and replacement).
public struct ReportTypeInput: Sendable {
    public var name: String
    public var label: LanguageMap
    public var description: LanguageMap?
    public var impactsNeeded: Bool
    public var submissionTemplateID: UUID?

    public init(name: String, label: LanguageMap, description: LanguageMap? = nil, impactsNeeded: Bool = false, submissionTemplateID: UUID? = nil) {
        self.name = name
        self.label = label
        self.description = description
        self.impactsNeeded = impactsNeeded
        self.submissionTemplateID = submissionTemplateID
    }
}

/// A report type's questionnaire, resolved: categories in order, each with its questions in
/// order, every text in every language. Also the content of a questionnaire snapshot, the
/// immutable copy a submitted report version answered.
public struct Questionnaire: Sendable, Equatable, Codable {
    public struct Item: Sendable, Equatable, Codable {
        public var questionID: UUID
        public var reference: String
        public var kind: QuestionKind
        public var label: LanguageMap
        public var tooltip: LanguageMap
        public var options: [Question.Option]
        public var mandatory: Bool

        enum CodingKeys: String, CodingKey {
            case questionID = "question_id", reference, kind, label, tooltip, options, mandatory
        }
    }

    public struct Section: Sendable, Equatable, Codable {
        public var categoryID: UUID
        public var label: LanguageMap
        public var items: [Item]

        enum CodingKeys: String, CodingKey {
            case categoryID = "category_id", label, items
        }
    }

    public var sections: [Section]
}

/// One category of a questionnaire as written: its questions in order.
public struct QuestionnaireSectionInput: Sendable {
    public var categoryID: UUID
    public var questions: [(questionID: UUID, mandatory: Bool)]

    public init(categoryID: UUID, questions: [(questionID: UUID, mandatory: Bool)]) {
        self.categoryID = categoryID
        self.questions = questions
    }
}
