import Foundation
import Postgres

/// How a question is answered.
public enum QuestionKind: String, Sendable, CaseIterable, Codable {
    case freeText, singleChoice, singleChoiceWithDetail, multipleChoice, multipleChoiceWithDetail, date, countryList, regionList

    /// Whether the question offers predefined answers (options).
    public var hasOptions: Bool {
        switch self {
        case .singleChoice, .singleChoiceWithDetail, .multipleChoice, .multipleChoiceWithDetail: return true
        default: return false
        }
    }

    /// Whether a free-text detail may accompany the choice.
    public var hasDetail: Bool { self == .singleChoiceWithDetail || self == .multipleChoiceWithDetail }
}

/// A question of a regulator's questionnaires, with its predefined answers in order.
public struct Question: Sendable, Equatable, Codable {
    public struct Option: Sendable, Equatable, Codable {
        public let id: UUID
        public var label: LanguageMap
    }

    public let id: UUID
    public let regulatorID: UUID
    public var reference: String
    public var kind: QuestionKind
    public var label: LanguageMap
    public var tooltip: LanguageMap
    public var options: [Option]
    public var createdAt: Date
    public var updatedAt: Date

    static let columns = """
        q.id, q.regulator_id, q.reference, q.kind, q.label::text AS label, q.tooltip::text AS tooltip, q.created_at, q.updated_at,
        coalesce((SELECT json_agg(json_build_object('id', o.id, 'label', o.label) ORDER BY o.position)
                  FROM question_options o WHERE o.question_id = q.id), '[]')::text AS options
        """

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        regulatorID = try row.decode("regulator_id")
        reference = try row.decode("reference")
        kind = QuestionKind(rawValue: try row.decode("kind")) ?? .freeText
        label = try LanguageMap.parse(try row.decode("label"))
        tooltip = try LanguageMap.parse(try row.decode("tooltip"))
        options = try JSONDecoder().decode([Option].self, from: Data(try row.decode("options", as: String.self).utf8))
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}

/// A question as written: every field (creation and replacement). Options keep their id when
/// given one (an existing option of this question) and are created without; options left out
/// are removed. Submitted reports keep the options they answered (questionnaire snapshots).
public struct QuestionInput: Sendable {
    public struct Option: Sendable {
        public var id: UUID?
        public var label: LanguageMap

        public init(id: UUID? = nil, label: LanguageMap) {
            self.id = id
            self.label = label
        }
    }

    public var reference: String
    public var kind: QuestionKind
    public var label: LanguageMap
    public var tooltip: LanguageMap?
    public var options: [Option]

    public init(reference: String, kind: QuestionKind, label: LanguageMap, tooltip: LanguageMap? = nil, options: [Option] = []) {
        self.reference = reference
        self.kind = kind
        self.label = label
        self.tooltip = tooltip
        self.options = options
    }
}
