import Foundation
import Postgres

/// One version of an operator's yearly declaration against a standard, as the caller sees it
/// (interim verdicts and review texts hidden from the operator's side until sent).
public struct Declaration: Sendable, Equatable {
    public let id: UUID
    public let groupID: UUID
    public var reference: String
    public var version: Int
    public var standardID: UUID
    public var standardLabel: LanguageMap
    public var regulatorID: UUID
    public var operatorID: UUID
    public var operatorName: String
    public var year: Int
    public var sectorIDs: [UUID]
    /// As stored; ``status`` is what the caller sees.
    public var storedStatus: DeclarationStatus
    public var reviewComment: String
    public var creatorName: String
    public var submittedAt: Date?
    public var reviewSentAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var revision: Int
    public var progress: DeclarationProgress
    /// Whether the caller acts for the regulator (else for the operator).
    public var seenByRegulator: Bool

    public var status: DeclarationStatus { storedStatus.seen(byRegulator: seenByRegulator) }
    public var etag: String { "\"\(id.uuidString.lowercased())-\(revision)\"" }

    /// Whether the caller sees the review (statuses per objective, comments): always for the
    /// regulator; for the operator once sent, and in a draft that carries a sent review over.
    public var showsReview: Bool { seenByRegulator || !storedStatus.isUnderReview }

    public var isReadyToSubmit: Bool { !seenByRegulator && progress.isReadyToSubmit(storedStatus) }
    public var isReadyToSend: Bool { seenByRegulator && progress.isReadyToSend(storedStatus) }

    static let columns = """
        d.id, d.group_id, g.reference, d.version, d.standard_id, s.label::text AS standard_label, d.regulator_id, d.operator_id,
        d.operator_name, d.year, d.status, d.review_comment, d.creator_name, d.submitted_at, d.review_sent_at, d.created_at, d.updated_at,
        d.revision, ARRAY(SELECT x.sector_id FROM declaration_sectors x WHERE x.declaration_id = d.id ORDER BY x.sector_id) AS sector_ids,
        p.objectives, p.complete, p.reviewed, p.revision_required
        """

    static let joins = """
        JOIN declaration_groups g ON g.id = d.group_id JOIN standards s ON s.id = d.standard_id
        CROSS JOIN LATERAL (SELECT count(*)::int AS objectives, count(*) FILTER (WHERE a.completion = 'complete')::int AS complete,
                                   count(*) FILTER (WHERE a.review_status <> 'notReviewed')::int AS reviewed,
                                   count(*) FILTER (WHERE a.review_status = 'revisionRequired')::int AS revision_required
                            FROM objective_assessments a WHERE a.declaration_id = d.id) p
        """

    init(row: PostgresRow, seenByRegulator: Bool) throws {
        id = try row.decode("id")
        groupID = try row.decode("group_id")
        reference = try row.decode("reference")
        version = try row.decode("version")
        standardID = try row.decode("standard_id")
        standardLabel = try LanguageMap.parse(try row.decode("standard_label"))
        regulatorID = try row.decode("regulator_id")
        operatorID = try row.decode("operator_id")
        operatorName = try row.decode("operator_name")
        year = try row.decode("year")
        sectorIDs = try row.decode("sector_ids")
        storedStatus = DeclarationStatus(rawValue: try row.decode("status")) ?? .draft
        reviewComment = try row.decode("review_comment")
        creatorName = try row.decode("creator_name")
        submittedAt = try row.decode("submitted_at")
        reviewSentAt = try row.decode("review_sent_at")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
        revision = try row.decode("revision")
        progress = DeclarationProgress(objectives: try row.decode("objectives"), complete: try row.decode("complete"),
                                       reviewed: try row.decode("reviewed"), revisionRequired: try row.decode("revision_required"))
        self.seenByRegulator = seenByRegulator
        if !showsReview { reviewComment = "" }
    }
}

/// What the caller may change in a declaration, field by field.
public struct DeclarationEditability: Sendable, Equatable {
    /// The operator's answers: implemented, justification, planned actions (a draft, operator side).
    public var answers: Bool
    /// The regulator's review: objective statuses, measure review comments, the overall comment
    /// (under review, regulator side).
    public var review: Bool

    init(_ declaration: Declaration) {
        answers = !declaration.seenByRegulator && declaration.storedStatus == .draft
        review = declaration.seenByRegulator && declaration.storedStatus.isUnderReview
    }
}

/// A whole declaration: its header, the standard's levels, and every objective in order with
/// its assessment and its measures grouped by level with the answers, its texts in one language
/// (a declaration of 2,000 measures reads in one language, not four).
public struct DeclarationDetail: Sendable, Equatable {
    public struct Answer: Sendable, Equatable {
        public let measureID: UUID
        public var position: Int
        public var description: String
        public var evidence: String
        public var isImplemented: Bool
        public var justification: String
        /// Empty when the caller does not see the review yet.
        public var reviewComment: String
    }

    public struct LevelGroup: Sendable, Equatable {
        public var level: Int
        public var label: String
        public var color: String
        public var measures: [Answer]
    }

    public struct Objective: Sendable, Equatable {
        public let objectiveID: UUID
        public var code: String
        public var title: String
        public var description: String
        public var domainID: UUID
        public var domainLabel: String
        public var score: Double
        public var completion: ObjectiveCompletion
        public var plannedActions: String
        /// `nil` when the caller does not see the review yet.
        public var reviewStatus: ObjectiveReviewStatus?
        public var measureCount: Int
        /// Only the levels that have measures, by level.
        public var levels: [LevelGroup]
    }

    public var declaration: Declaration
    public var language: Language
    public var levels: [StandardTree.Level]
    public var maximumLevel: Int
    public var objectives: [Objective]
    public var editable: DeclarationEditability
}

/// One objective's state after an answer changed, with the declaration's progress.
public struct ObjectiveState: Sendable, Equatable {
    public var objectiveID: UUID
    public var score: Double
    public var completion: ObjectiveCompletion
    public var plannedActions: String
    public var reviewStatus: ObjectiveReviewStatus?
    public var declaration: Declaration
}

/// What a declaration is created for.
public struct DeclarationInput: Sendable {
    public var standardID: UUID
    /// Required when the caller is an approved member of several operators.
    public var operatorID: UUID?
    public var year: Int
    public var sectorIDs: [UUID]

    public init(standardID: UUID, operatorID: UUID? = nil, year: Int, sectorIDs: [UUID]) {
        self.standardID = standardID
        self.operatorID = operatorID
        self.year = year
        self.sectorIDs = sectorIDs
    }
}

/// A change to one measure's answer; `nil` leaves a field as it is.
public struct MeasureAnswerChange: Sendable {
    public var isImplemented: Bool?
    public var justification: String?
    public var reviewComment: String?

    public init(isImplemented: Bool? = nil, justification: String? = nil, reviewComment: String? = nil) {
        self.isImplemented = isImplemented
        self.justification = justification
        self.reviewComment = reviewComment
    }
}

/// A change to one objective's assessment; `nil` leaves a field as it is.
public struct ObjectiveChange: Sendable {
    public var plannedActions: String?
    public var reviewStatus: ObjectiveReviewStatus?

    public init(plannedActions: String? = nil, reviewStatus: ObjectiveReviewStatus? = nil) {
        self.plannedActions = plannedActions
        self.reviewStatus = reviewStatus
    }
}
